import { openListenConnection } from "../db/index.ts";
import type { Pool } from "../db/index.ts";
import { AppError, describeError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import type { BroadcastCapability, TransportSubscription } from "./port.ts";
import { driverCall } from "./transport-kit.ts";

/** The NOTIFY channel of broadcasts; the payload is `topic\n` + `i<body>` or `r<bus_broadcasts id>`. */
export const BROADCAST_CHANNEL = "bus_broadcast";

/** NOTIFY payloads must stay under 8000 bytes; larger bodies go through the `bus_broadcasts` table. */
const INLINE_LIMIT_BYTES = 7000;
/** Stored bodies are only needed until every listener has read them. */
const KEEP_STORED = "5 minutes";
const PRUNE_EVERY_MS = 60_000;

/**
 * Fan-out over LISTEN/NOTIFY: every listening connection gets every notification, which is
 * exactly one copy per instance. Small bodies ride in the payload; large ones are stored in
 * `bus_broadcasts` (migration 0005) and the payload carries the row id.
 */
export function postgresBroadcast(pool: Pool, logger: Logger, retryMs: number): BroadcastCapability & { close(): Promise<void> } {
  const subscriptions = new Set<TransportSubscription>();
  let prunedAt = 0;
  return {
    async broadcast(topic, body) {
      if (topic.includes("\n")) throw new AppError("BUS_TOPIC_INVALID", "a topic name cannot contain a newline");
      await driverCall("postgres", "broadcast", async () => {
        if (Buffer.byteLength(topic) + Buffer.byteLength(body) <= INLINE_LIMIT_BYTES) {
          await pool.query("select pg_notify($1, $2)", [BROADCAST_CHANNEL, `${topic}\ni${body}`]);
          return;
        }
        await pool.query(
          `with stored as (insert into bus_broadcasts (topic, body) values ($2, $3) returning id)
           select pg_notify($1, $2 || E'\\nr' || id) from stored`,
          [BROADCAST_CHANNEL, topic, body],
        );
        if (Date.now() - prunedAt > PRUNE_EVERY_MS) {
          prunedAt = Date.now();
          await pool.query(`delete from bus_broadcasts where created_at < now() - interval '${KEEP_STORED}'`);
        }
      });
    },
    async subscribeBroadcast(topic, _instanceId, onMessage) {
      const subscription = listen(pool, logger.child({ topic }), retryMs, topic, onMessage);
      subscriptions.add(subscription);
      await subscription.ready;
      return {
        async close() {
          subscriptions.delete(subscription);
          await subscription.close();
        },
      };
    },
    async close() {
      await Promise.all([...subscriptions].map((s) => s.close()));
      subscriptions.clear();
    },
  };
}

/** A LISTEN connection of its own for one topic; deliveries keep NOTIFY order. */
function listen(
  pool: Pool,
  logger: Logger,
  retryMs: number,
  topic: string,
  onMessage: (body: string) => void,
): TransportSubscription & { ready: Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  const prefix = `${topic}\n`;
  const deliver = async (kind: string, data: string) => {
    if (kind === "i") return onMessage(data);
    const { rows } = await pool.query<{ body: string }>("select body from bus_broadcasts where id = $1", [data]);
    if (rows[0] !== undefined) onMessage(rows[0].body);
  };
  const connection = openListenConnection({
    pool,
    logger,
    channel: BROADCAST_CHANNEL,
    retryMs,
    what: "broadcast listener",
    onNotification(payload) {
      if (!payload.startsWith(prefix)) return;
      const rest = payload.slice(prefix.length);
      chain = chain
        .then(() => deliver(rest.slice(0, 1), rest.slice(1)))
        .catch((error: unknown) => logger.warn({ err: describeError(error).message }, "broadcast dropped"));
    },
  });
  return {
    ready: connection.ready,
    async close() {
      await connection.close();
      await chain;
    },
  };
}
