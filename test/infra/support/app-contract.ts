/**
 * What the infrastructure relies on from the application (issue 6): the services the image
 * starts, the queues KEDA watches, and the metrics the alerts and the dashboard read.
 * A change on either side shows up as a failing infra test.
 */

/** `node bin/warranty-hub.ts start <service>`; each gets a Deployment. */
export const SERVICES = ["api", "ingest", "ocr", "chat-relay"] as const;

/** The services that consume queues (KEDA-scaled), with the queues each consumes. */
export const WORKER_QUEUES = {
  ingest: ["registration", "import-chunk"],
  ocr: ["ocr"],
  "chat-relay": ["chat"],
} as const;

/** Every queue of the app, without QUEUE_PREFIX. */
export const QUEUES = ["registration", "import-chunk", "ocr", "chat"] as const;

/** The chat fan-out topic; one subscription per chat-relay instance. */
export const CHAT_TOPIC = "chat-fanout";

/** The app's default for MAX_ATTEMPTS (lib/config/platform.ts). */
export const APP_MAX_ATTEMPTS = 5;

/**
 * Metrics the processes export, with their type. `health_check_status{check}` (1 passing,
 * 0 failing) is the readiness checks as a gauge; the backup pair comes from the ingest worker
 * that runs the schedule; `process_*` and `nodejs_*` are prom-client's default metrics; `up`
 * comes from Prometheus itself.
 */
export const METRICS = {
  http_request_duration_seconds: "histogram",
  messages_handled_total: "counter",
  messages_failed_total: "counter",
  messages_retried_total: "counter",
  messages_dead_lettered_total: "counter",
  queue_depth: "gauge",
  queue_oldest_message_age_seconds: "gauge",
  health_check_status: "gauge",
  db_pool_connections: "gauge",
  backup_last_success_timestamp_seconds: "gauge",
  backup_failures_total: "counter",
  build_info: "gauge",
  process_cpu_seconds_total: "counter",
  process_resident_memory_bytes: "gauge",
  nodejs_eventloop_lag_p99_seconds: "gauge",
  up: "gauge",
} as const;

/** The CLI commands the runbooks may use, and their subcommands where they have some. */
export const CLI_COMMANDS: Readonly<Record<string, readonly string[] | null>> = {
  dlq: ["list", "show", "replay", "purge"],
  flags: ["set"],
  migrate: ["up", "down", "status"],
  backup: ["create", "list", "verify"],
  restore: null,
  token: null,
  start: [...SERVICES, "all"],
};
