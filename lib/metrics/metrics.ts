import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { BackupObserver } from "../backup/index.ts";
import type { BusObserver, MessageOutcome, QueueDepth } from "../bus/index.ts";

/** Reads one queue's depth; called on every scrape. */
export type DepthReader = (queue: string) => Promise<QueueDepth>;

/** Runs the readiness checks; the metrics area does not depend on how they are made. */
export type HealthReader = () => Promise<{ readonly checks: Readonly<Record<string, { readonly ok: boolean }>> }>;

/** Connections of a database pool right now; read on every scrape. */
export interface PoolUsage {
  readonly total: number;
  readonly idle: number;
  /** Queries waiting for a connection: the pool is saturated while this is above 0. */
  readonly waiting: number;
  readonly max: number;
}
export interface MetricsOptions {
  /** Prepended to every metric name, including the default process metrics. */
  readonly prefix?: string;
  /** How long one queue's depth may take on a scrape before it is left out; default 2000. */
  readonly depthTimeoutMs?: number;
  /** Exported as `build_info{version,commit} 1`, which the dashboard turns into deploy annotations. */
  readonly build?: { readonly version: string; readonly commit: string };
}

/** One process's metrics, in a registry of its own. */
export interface Metrics {
  readonly registry: Registry;
  /** Request latency by method, route pattern and status; the P95 > 500 ms alert reads it. */
  readonly httpRequestDuration: Histogram<"method" | "route" | "status">;
  /** Hand to `createBus` so every message outcome is counted. */
  readonly busObserver: BusObserver;
  /** Reports the depth of `queues` (ready and dead-lettered) on every scrape. */
  watchQueueDepth(queues: readonly string[], depth: DepthReader): void;
  /** Reports each readiness check as `health_check_status{check}` (1 passing, 0 failing) on every scrape. */
  watchHealth(readiness: HealthReader): void;
  /**
   * Registers `backup_last_success_timestamp_seconds` and `backup_failures_total` and returns
   * the observer that feeds them. Only the process running the backup schedule calls this:
   * a gauge that other processes left at 0 would read as "never backed up".
   */
  watchBackups(): BackupObserver;
  /** Reports the pool as `db_pool_connections{state}` (total, idle, waiting, max) on every scrape. */
  watchPool(usage: () => PoolUsage): void;
  /** The Prometheus exposition of every metric. */
  render(): Promise<{ readonly contentType: string; readonly body: string }>;
}

/**
 * Buckets around the 500 ms latency objective: fine below it so P95 is estimated closely
 * where the alert fires, coarse above it to still show how bad a slow period is.
 */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10];
/** Message handling includes database writes and OCR, so it runs longer than a request. */
const MESSAGE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

const OUTCOME_COUNTERS = {
  handled: "messages_handled_total",
  failed: "messages_failed_total",
  retried: "messages_retried_total",
  dead_lettered: "messages_dead_lettered_total",
} as const satisfies Record<MessageOutcome, string>;

/** Creates the metrics of one process; nothing is registered globally. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? "";
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  const httpRequestDuration = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: "HTTP request duration by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const busObserver = createBusObserver(registry, prefix);
  const depth = createDepthGauge(registry, prefix, options.depthTimeoutMs ?? 2000);
  const readers: HealthReader[] = [];
  new Gauge({
    name: `${prefix}health_check_status`,
    help: "Readiness checks by name: 1 passing, 0 failing",
    labelNames: ["check"] as const,
    registers: [registry],
    async collect() {
      for (const read of readers) {
        // While draining no checks run; the last values are kept rather than faked.
        for (const [check, result] of Object.entries((await read()).checks)) this.set({ check }, result.ok ? 1 : 0);
      }
    },
  });
  const pools: Array<() => PoolUsage> = [];
  new Gauge({
    name: `${prefix}db_pool_connections`,
    help: "Database pool connections by state: total, idle, waiting (queries queued for one) and max",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      for (const read of pools) {
        for (const [state, value] of Object.entries(read()) as Array<[string, number]>) this.set({ state }, value);
      }
    },
  });
  if (options.build !== undefined) {
    new Gauge({
      name: `${prefix}build_info`,
      help: "Always 1; the labels say which build this process runs",
      labelNames: ["version", "commit"] as const,
      registers: [registry],
    }).set({ version: options.build.version, commit: options.build.commit }, 1);
  }
  return {
    registry,
    httpRequestDuration,
    busObserver,
    watchQueueDepth: (queues, reader) => depth.watch(queues, reader),
    watchHealth: (readiness) => readers.push(readiness),
    watchBackups: () => createBackupMetrics(registry, prefix),
    watchPool: (usage) => pools.push(usage),
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

function createBusObserver(registry: Registry, prefix: string): BusObserver {
  const counter = (name: string, help: string) =>
    new Counter({ name: `${prefix}${name}`, help, labelNames: ["queue"] as const, registers: [registry] });
  const counters: Record<MessageOutcome, Counter<"queue">> = {
    handled: counter(OUTCOME_COUNTERS.handled, "Messages handled successfully"),
    failed: counter(OUTCOME_COUNTERS.failed, "Handler attempts that failed (each retry or dead letter follows one)"),
    retried: counter(OUTCOME_COUNTERS.retried, "Messages scheduled for another attempt"),
    dead_lettered: counter(OUTCOME_COUNTERS.dead_lettered, "Messages moved to the dead letters"),
  };
  const duration = new Histogram({
    name: `${prefix}message_handling_duration_seconds`,
    help: "Time from delivery to settlement, by queue and outcome",
    labelNames: ["queue", "outcome"] as const,
    buckets: MESSAGE_BUCKETS,
    registers: [registry],
  });
  return {
    outcome(queue, outcome, seconds) {
      counters[outcome].inc({ queue });
      duration.observe({ queue, outcome }, seconds);
    },
  };
}

function createBackupMetrics(registry: Registry, prefix: string): BackupObserver {
  const lastSuccess = new Gauge({
    name: `${prefix}backup_last_success_timestamp_seconds`,
    help: "Creation time of the newest complete backup (0: there is none); the RPO alert reads its age",
    registers: [registry],
  });
  const failures = new Counter({
    name: `${prefix}backup_failures_total`,
    help: "Scheduled backups that failed",
    registers: [registry],
  });
  return {
    latest: (createdAt) => lastSuccess.set(createdAt === undefined ? 0 : createdAt.getTime() / 1000),
    failed: () => failures.inc(),
  };
}

function createDepthGauge(registry: Registry, prefix: string, timeoutMs: number) {
  const watched: Array<{ readonly queues: readonly string[]; readonly depth: DepthReader }> = [];
  const errors = new Counter({
    name: `${prefix}queue_depth_errors_total`,
    help: "Scrapes on which a queue's depth could not be read",
    labelNames: ["queue"] as const,
    registers: [registry],
  });
  new Gauge({
    name: `${prefix}queue_depth`,
    help: "Messages waiting in a queue (kind=ready) or in its dead letters (kind=dead_lettered)",
    labelNames: ["queue", "kind"] as const,
    registers: [registry],
    async collect() {
      const reads = watched.flatMap(({ queues, depth }) =>
        queues.map(async (queue) => {
          try {
            const value = await withTimeout(depth(queue), timeoutMs);
            this.set({ queue, kind: "ready" }, value.ready);
            this.set({ queue, kind: "dead_lettered" }, value.deadLettered);
          } catch {
            // A stale number would look like a healthy queue; report none and count the miss.
            this.remove({ queue, kind: "ready" });
            this.remove({ queue, kind: "dead_lettered" });
            errors.inc({ queue });
          }
        }),
      );
      await Promise.all(reads);
    },
  });
  return {
    watch(queues: readonly string[], depth: DepthReader) {
      watched.push({ queues: [...queues], depth });
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
