import type { Pool } from "../db/index.ts";
import type { Logger } from "../log/index.ts";
import type { DeadLetter, DeadLetterSelector, Transport } from "./port.ts";
import { startConsumer } from "./postgres-consumer.ts";
import type { ConsumerSettings } from "./postgres-consumer.ts";
import { postgresBroadcast } from "./postgres-broadcast.ts";
import { BUS_CHANNEL, createListener } from "./postgres-listener.ts";
import { driverCall, withLifecycle } from "./transport-kit.ts";
export interface PostgresTransportOptions {
  /** Used, never closed: the caller owns it. One connection is held for LISTEN while consuming. */
  readonly pool: Pool;
  readonly logger: Logger;
  /** How long a claimed message stays invisible to others; renewed while the handler runs. */
  readonly leaseMs?: number;
  /** Longest wait before looking for messages when no notification arrives. */
  readonly pollIntervalMs?: number;
  /** Claims without a settlement (consumers crashing on it) before a message is dead-lettered. */
  readonly maxDeliveries?: number;
}

interface DeadLetterRow {
  readonly queue: string;
  readonly message_id: string;
  readonly body: string;
  readonly reason_code: string;
  readonly reason_message: string;
  readonly attempts: number;
  readonly first_failed_at: Date;
  readonly last_failed_at: Date;
}

/**
 * The embedded default transport: queues are rows in `bus_messages` (migration 0001).
 * Consumers claim rows with `for update skip locked` and hold them by a lease that a
 * heartbeat renews, so a process killed mid-message loses its lease and the message comes
 * back with the same attempt number. NOTIFY wakes idle consumers; polling covers the rest.
 */
export function createPostgresTransport(options: PostgresTransportOptions): Transport {
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const logger = options.logger.child({ transport: "postgres" });
  const settings: ConsumerSettings = {
    pool: options.pool,
    logger,
    leaseMs: options.leaseMs ?? 30_000,
    pollIntervalMs,
    maxDeliveries: options.maxDeliveries ?? 10,
    listener: createListener(options.pool, logger, pollIntervalMs),
  };
  const pool = options.pool;
  const consumers = new Set<{ close(): Promise<void> }>();
  const fanout = postgresBroadcast(pool, logger, pollIntervalMs);
  return withLifecycle({
    name: "postgres",
    broadcast: (topic, body) => fanout.broadcast(topic, body),
    subscribeBroadcast: (topic, instanceId, onMessage) => fanout.subscribeBroadcast(topic, instanceId, onMessage),
    async send(queue, message) {
      await driverCall("postgres", "send", () =>
        pool.query(
          `with sent as (insert into bus_messages (queue, message_id, body) values ($1, $2, $3) returning queue)
           select pg_notify($4, queue) from sent`,
          [queue, message.messageId, message.body, BUS_CHANNEL],
        ),
      );
    },
    consume(queue, onDelivery, { prefetch }) {
      const consumer = startConsumer(settings, queue, onDelivery, Math.max(1, prefetch));
      consumers.add(consumer);
      return Promise.resolve({
        async close() {
          consumers.delete(consumer);
          await consumer.close();
        },
      });
    },
    depth: (queue) =>
      driverCall("postgres", "depth", async () => {
        const { rows } = await pool.query<{ ready: number; dead: number }>(
          `select (select count(*) from bus_messages where queue = $1)::int as ready,
                  (select count(*) from bus_dead_letters where queue = $1)::int as dead`,
          [queue],
        );
        return { ready: rows[0]?.ready ?? 0, deadLettered: rows[0]?.dead ?? 0 };
      }),
    ...deadLetterMethods(pool),
    async ping() {
      await driverCall("postgres", "ping", () => pool.query("select 1"));
    },
    async close() {
      await Promise.all([...consumers].map((consumer) => consumer.close()));
      consumers.clear();
      await fanout.close();
      await settings.listener.close();
    },
  });
}

/** Operator access to dead letters: plain SQL over `bus_dead_letters`, in dead-letter order. */
function deadLetterMethods(
  pool: Pool,
): Pick<Transport, "listDeadLetters" | "getDeadLetter" | "replayDeadLetters" | "purgeDeadLetters"> {
  return {
    listDeadLetters: (queue, { limit }) =>
      driverCall("postgres", "list dead letters", async () => {
        const { rows } = await pool.query<DeadLetterRow>(
          "select * from bus_dead_letters where queue = $1 order by id limit $2",
          [queue, limit],
        );
        return rows.map(toDeadLetter);
      }),
    getDeadLetter: (queue, messageId) =>
      driverCall("postgres", "get dead letter", async () => {
        const { rows } = await pool.query<DeadLetterRow>(
          "select * from bus_dead_letters where queue = $1 and message_id = $2 order by id desc limit 1",
          [queue, messageId],
        );
        return rows[0] && toDeadLetter(rows[0]);
      }),
    replayDeadLetters: (queue, selector) => driverCall("postgres", "replay dead letters", () => replayDeadLetters(pool, queue, selector)),
    purgeDeadLetters: (queue, selector) =>
      driverCall("postgres", "purge dead letters", async () => {
        const params: unknown[] = [queue];
        const where = selectorClause(selector, params);
        const { rows } = await pool.query<{ message_id: string }>(
          `with purged as (delete from bus_dead_letters where queue = $1 and ${where} returning id, message_id)
           select message_id from purged order by id`,
          params,
        );
        return rows.map((row) => row.message_id);
      }),
  };
}

/** Moves the selected dead letters back to the queue as fresh first attempts, ids kept. */
async function replayDeadLetters(pool: Pool, queue: string, selector: DeadLetterSelector): Promise<string[]> {
  const params: unknown[] = [queue];
  const where = selectorClause(selector, params);
  const { rows } = await pool.query<{ message_id: string }>(
    `with moved as (delete from bus_dead_letters where queue = $1 and ${where} returning id, queue, message_id, body),
          requeued as (insert into bus_messages (queue, message_id, body)
                       select queue, message_id, body from moved order by id)
     select message_id from moved order by id`,
    params,
  );
  if (rows.length > 0) await pool.query("select pg_notify($1, $2)", [BUS_CHANNEL, queue]);
  return rows.map((row) => row.message_id);
}

/** The SQL condition for a selector; its values are appended to `params`. */
function selectorClause(selector: DeadLetterSelector, params: unknown[]): string {
  switch (selector.kind) {
    case "ids":
      params.push(selector.ids);
      return `message_id = any($${params.length}::text[])`;
    case "cause":
      params.push(selector.code);
      return `reason_code = $${params.length}`;
    case "all":
      return "true";
  }
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    queue: row.queue,
    messageId: row.message_id,
    body: row.body,
    reason: { code: row.reason_code, message: row.reason_message },
    attempts: row.attempts,
    firstFailedAt: row.first_failed_at.toISOString(),
    lastFailedAt: row.last_failed_at.toISOString(),
  };
}
