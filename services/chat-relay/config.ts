import { randomUUID } from "node:crypto";
import type { EnvReader } from "../../lib/config/index.ts";

/** Variables of the chat relay. */
export interface ChatRelayConfig {
  /**
   * CHAT_PORT: its own variable, for a relay without the API in its process; beside the API
   * (`start all`) the relay serves on the API's port and this is not used.
   */
  readonly port: number;
  readonly host: string;
  /** Names this instance's fan-out queue; unique per process. */
  readonly instanceId: string;
  /** How long SendMessage waits for the message to be stored before reporting failure. */
  readonly sendTimeoutMs: number;
  readonly maxConnectionsPerUser: number;
  /** Whether this process also runs the chat worker (the `chat` queue consumer). */
  readonly runWorker: boolean;
  /** How often the retention job deletes expired messages. */
  readonly retentionIntervalMs: number;
}

/** Reads the relay's variables into `env`'s problem list (for `ServiceDefinition.readConfig`). */
export function readChatRelayConfig(env: EnvReader): ChatRelayConfig {
  const host = env.string("CHAT_HOST", "0.0.0.0");
  if (/\s/.test(host)) env.problem("CHAT_HOST", "must be a host name or address without spaces");
  const instanceId = env.string("CHAT_INSTANCE_ID", randomUUID().slice(0, 12));
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(instanceId)) env.problem("CHAT_INSTANCE_ID", "must be 1-64 letters, digits, '-' or '_'");
  return {
    port: env.integer("CHAT_PORT", 3001, { min: 0, max: 65535 }),
    host,
    instanceId,
    sendTimeoutMs: env.integer("CHAT_SEND_TIMEOUT_MS", 10_000, { min: 100, max: 120_000 }),
    maxConnectionsPerUser: env.integer("CHAT_MAX_CONNECTIONS_PER_USER", 10, { min: 1, max: 1000 }),
    runWorker: env.oneOf("CHAT_WORKER", ["on", "off"] as const, "on") === "on",
    retentionIntervalMs: env.integer("CHAT_RETENTION_INTERVAL_MS", 3_600_000, { min: 1000, max: 86_400_000 }),
  };
}
