import type { PoolClient } from "pg";
import { loopBackoff } from "../bus/index.ts";
import type { Bus, Envelope } from "../bus/index.ts";
import { createMessage, queueOf } from "../messages/index.ts";
import type { MessageOptions, MessagePayloads, QueuedType } from "../messages/index.ts";
import { openListenConnection, withTransaction } from "../db/index.ts";
import type { Pool } from "../db/index.ts";
import { AppError, describeError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";

const CHANNEL = "outbox";

/**
 * Records a message for publication to the queue the catalogue routes `type` to, inside the
 * caller's transaction, so the event exists if and only if the caller's write commits.
 */
export async function enqueueOutbox<T extends QueuedType>(
  client: PoolClient,
  type: T,
  payload: MessagePayloads[T],
  options?: MessageOptions,
): Promise<void> {
  const message = createMessage(type, payload, options);
  await client.query("insert into outbox (queue, message_id, body) values ($1, $2, $3)", [
    queueOf(type),
    message.id,
    JSON.stringify(message),
  ]);
  await client.query("select pg_notify($1, '')", [CHANNEL]);
}
export interface OutboxRelayOptions {
  readonly pool: Pool;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly batchSize?: number;
  /** Longest wait between polls when no notification arrives. */
  readonly idleMs?: number;
  /** Rows that failed this often are left for an operator instead of blocking the relay. */
  readonly maxAttempts?: number;
}

/** A running relay. */
export interface OutboxRelay {
  /** Finishes the batch in progress and stops. */
  stop(): Promise<void>;
}

interface OutboxRow {
  readonly id: string;
  readonly queue: string;
  readonly body: string;
}

/**
 * Publishes unsent outbox rows with broker confirms and marks them sent. Several relays may
 * run (one per ingest process): `skip locked` hands each row to one of them. A crash between
 * publish and commit publishes the row again, which idempotent consumers absorb.
 */
export function startOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { pool, logger } = options;
  const idleMs = options.idleMs ?? 1000;
  let stopped = false;
  let wake: (() => void) | undefined;
  // Opened once and healed by the helper; a batch runs on a pooled connection of its own.
  const listener = openListenConnection({
    pool,
    logger,
    channel: CHANNEL,
    retryMs: idleMs,
    what: "outbox listener",
    onNotification: () => wake?.(),
    onConnected: () => wake?.(),
  });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        const sent = await relayBatch(options);
        failures = 0;
        if (sent === 0 && !stopped) await sleep(idleMs);
      } catch (error) {
        failures++;
        const delay = loopBackoff(failures, idleMs);
        logger.warn({ err: describeError(error).message, delayMs: delay }, "outbox relay paused");
        if (!stopped) await sleep(delay);
      }
    }
  };
  const running = loop();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await running;
      await listener.close();
    },
  };
}

/**
 * Publishes one batch; returns how many rows were sent. Stops at the first failure, which
 * is recorded on its row and rethrown after the rows already published are marked sent.
 */
async function relayBatch(options: OutboxRelayOptions): Promise<number> {
  const outcome = await withTransaction(options.pool, async (client) => {
    const { rows } = await client.query<OutboxRow>(
      `select id, queue, body from outbox
        where sent_at is null and attempts < $2
        order by id limit $1 for update skip locked`,
      [options.batchSize ?? 100, options.maxAttempts ?? 20],
    );
    const sent: string[] = [];
    let failure: Error | undefined;
    for (const row of rows) {
      try {
        await options.bus.publish(row.queue, JSON.parse(row.body) as Envelope);
        sent.push(row.id);
      } catch (error) {
        const { code, message } = describeError(error);
        failure = new AppError(code, `outbox row ${row.id}: ${message}`, { retryable: true, cause: error });
        await client.query("update outbox set attempts = attempts + 1, last_error = $2 where id = $1", [row.id, message]);
        break;
      }
    }
    if (sent.length > 0) await client.query("update outbox set sent_at = now() where id = any($1)", [sent]);
    return { sent: sent.length, failure };
  });
  if (outcome.failure) throw outcome.failure;
  return outcome.sent;
}
