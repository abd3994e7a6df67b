import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Pool } from "../db/index.ts";
import { AppError, describeError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import type { DeadLetterInfo, Delivery, ErrorInfo } from "./port.ts";
import { createWaker } from "./postgres-listener.ts";
import type { Listener } from "./postgres-listener.ts";
import { busUnavailable, loopBackoff } from "./transport-kit.ts";

/** What a PostgreSQL consumer runs with. */
export interface ConsumerSettings {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly leaseMs: number;
  readonly pollIntervalMs: number;
  readonly maxDeliveries: number;
  readonly listener: Listener;
}

/** A leased row of `bus_messages`. */
interface ClaimedRow {
  readonly message_id: string;
  readonly body: string;
  readonly attempt: number;
  readonly first_failed_at: Date | null;
  readonly deliveries: number;
  readonly lease_token: string;
}

/** One consume() call: a claim loop, a lease heartbeat, and the deliveries in flight. */
export function startConsumer(
  settings: ConsumerSettings,
  queue: string,
  onDelivery: (delivery: Delivery) => Promise<void>,
  prefetch: number,
): { close(): Promise<void> } {
  const { logger, pollIntervalMs } = settings;
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const inFlight = new Map<string, Promise<void>>();
  const waker = createWaker();
  const unsubscribe = settings.listener.subscribe(queue, waker.wake);
  let stopping = false;

  const track = (row: ClaimedRow, work: Promise<void>) => {
    const done = work
      .catch((error: unknown) => logger.error({ err: error, queue, messageId: row.message_id }, "delivery failed"))
      .finally(() => {
        inFlight.delete(row.lease_token);
        waker.wake();
      });
    inFlight.set(row.lease_token, done);
  };
  const dispatch = (row: ClaimedRow) => {
    if (row.deliveries > settings.maxDeliveries) track(row, deadLetterPoison(settings, queue, row));
    else track(row, Promise.resolve().then(() => onDelivery(createDelivery(settings, row, waker.wakeLater))));
  };
  const heartbeat = startHeartbeat(settings, () => [...inFlight.keys()]);

  const loop = (async () => {
    let failures = 0;
    while (!stopping) {
      const free = prefetch - inFlight.size;
      if (free <= 0) {
        await waker.sleep(pollIntervalMs);
        continue;
      }
      try {
        const rows = await claim(settings, queue, owner, free);
        failures = 0;
        rows.forEach(dispatch);
        if (rows.length < free) await waker.sleep(pollIntervalMs);
      } catch (error) {
        failures++;
        const delayMs = loopBackoff(failures, pollIntervalMs);
        logger.warn({ err: describeError(error).message, queue, delayMs }, "claiming messages failed");
        await waker.sleep(delayMs);
      }
    }
  })();

  return {
    async close() {
      stopping = true;
      waker.wake();
      await loop;
      await Promise.all(inFlight.values());
      heartbeat.stop();
      waker.clear();
      unsubscribe();
    },
  };
}

/** Takes up to `limit` visible messages and leases them to `owner`. */
async function claim(settings: ConsumerSettings, queue: string, owner: string, limit: number): Promise<ClaimedRow[]> {
  const { rows } = await settings.pool.query<ClaimedRow>(
    `with picked as (
       select id from bus_messages
        where queue = $1 and available_at <= now() and (locked_until is null or locked_until <= now())
        order by available_at, id
        limit $2
        for update skip locked
     ), claimed as (
       update bus_messages m
          set lease_owner = $3, lease_token = gen_random_uuid(), deliveries = m.deliveries + 1,
              locked_until = now() + $4::float8 * interval '1 millisecond'
         from picked where m.id = picked.id
       returning m.id, m.available_at, m.message_id, m.body, m.attempt, m.first_failed_at, m.deliveries, m.lease_token
     )
     select * from claimed order by available_at, id`,
    [queue, limit, owner, settings.leaseMs],
  );
  return rows;
}

/** Renews the leases of deliveries in flight, a few times per lease period. */
function startHeartbeat(settings: ConsumerSettings, tokens: () => string[]): { stop(): void } {
  let beating = false;
  const beat = async () => {
    const held = tokens();
    if (beating || held.length === 0) return;
    beating = true;
    try {
      await settings.pool.query(
        `update bus_messages set locked_until = now() + $2::float8 * interval '1 millisecond'
          where lease_token = any($1::uuid[])`,
        [held, settings.leaseMs],
      );
    } catch (error) {
      settings.logger.warn({ err: describeError(error).message }, "renewing message leases failed");
    } finally {
      beating = false;
    }
  };
  const timer = setInterval(() => void beat(), Math.max(20, Math.floor(settings.leaseMs / 3)));
  return { stop: () => clearInterval(timer) };
}

function createDelivery(settings: ConsumerSettings, row: ClaimedRow, wakeLater: (ms: number) => void): Delivery {
  const { pool, logger } = settings;
  const token = row.lease_token;
  let settled = false;
  const settle = async (action: string, statement: () => Promise<number>) => {
    if (settled) throw new AppError("DELIVERY_SETTLED", `message ${row.message_id} was already settled`);
    settled = true;
    try {
      if ((await statement()) === 0) {
        logger.warn({ messageId: row.message_id, action }, "lease expired before settling; the message went to another consumer");
      }
    } catch (error) {
      settled = false;
      throw busUnavailable("postgres", `${action} failed`, error);
    }
  };
  return {
    messageId: row.message_id,
    body: row.body,
    attempt: row.attempt,
    firstFailedAt: row.first_failed_at?.toISOString(),
    ack: () =>
      settle("ack", async () => (await pool.query("delete from bus_messages where lease_token = $1", [token])).rowCount ?? 0),
    retry: (delayMs, error) =>
      settle("retry", async () => {
        const count = await retryMessage(pool, token, delayMs, error);
        wakeLater(delayMs);
        return count;
      }),
    deadLetter: (info) => settle("dead-letter", () => moveToDeadLetters(pool, token, info)),
  };
}

async function retryMessage(pool: Pool, token: string, delayMs: number, error: ErrorInfo): Promise<number> {
  const result = await pool.query(
    `update bus_messages
        set attempt = attempt + 1, available_at = now() + $2::float8 * interval '1 millisecond',
            first_failed_at = coalesce(first_failed_at, now()), last_error_code = $3, last_error = $4,
            lease_owner = null, lease_token = null, locked_until = null, deliveries = 0
      where lease_token = $1`,
    [token, delayMs, error.code, error.message],
  );
  return result.rowCount ?? 0;
}

/** Deletes the leased row and records it as a dead letter, in one statement. */
async function moveToDeadLetters(pool: Pool, token: string, info: DeadLetterInfo): Promise<number> {
  const result = await pool.query(
    `with moved as (delete from bus_messages where lease_token = $1 returning queue, message_id, body)
     insert into bus_dead_letters
       (queue, message_id, body, reason_code, reason_message, attempts, first_failed_at, last_failed_at)
     select queue, message_id, body, $2, $3, $4, $5, $6 from moved`,
    [token, info.reason.code, info.reason.message, info.attempts, info.firstFailedAt, info.lastFailedAt],
  );
  return result.rowCount ?? 0;
}

/** A message that keeps taking its consumers down is set aside instead of crashing them forever. */
async function deadLetterPoison(settings: ConsumerSettings, queue: string, row: ClaimedRow): Promise<void> {
  const now = new Date().toISOString();
  const claims = row.deliveries - 1;
  const reason = {
    code: "DELIVERY_LIMIT",
    message: `claimed ${claims} times without being settled; consumers stopped while handling it`,
  };
  await moveToDeadLetters(settings.pool, row.lease_token, {
    reason,
    attempts: row.attempt,
    firstFailedAt: row.first_failed_at?.toISOString() ?? now,
    lastFailedAt: now,
  });
  settings.logger.error({ queue, messageId: row.message_id, claims }, "message dead-lettered after too many deliveries");
}

