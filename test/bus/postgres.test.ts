import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEnvelope, createPostgresTransport } from "../../lib/bus/index.ts";
import type { Delivery, OutgoingMessage, Transport, TransportSubscription } from "../../lib/bus/index.ts";
import { createPool } from "../../lib/db/index.ts";
import { TEST_MESSAGE_TYPE, testLogger, uniquePrefix } from "../support/bus.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { transportContract } from "./contract.ts";

describe("postgres transport", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  transportContract(
    "postgres",
    () => Promise.resolve({ transport: createPostgresTransport({ pool: db.pool, logger: testLogger(), pollIntervalMs: 100 }) }),
    () => createPostgresTransport({ pool: createPool("postgres://postgres@127.0.0.1:1/none"), logger: testLogger() }),
  );

  describe("leases and deliveries", () => {
    const open: Transport[] = [];
    const subscriptions: TransportSubscription[] = [];
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
      await Promise.all(open.splice(0).map((t) => t.close()));
    });

    function transport(options: { leaseMs?: number; pollIntervalMs?: number; maxDeliveries?: number } = {}) {
      const made = createPostgresTransport({ pool: db.pool, logger: testLogger(), pollIntervalMs: 50, ...options });
      open.push(made);
      return made;
    }
    async function consume(t: Transport, queue: string, onDelivery: (d: Delivery) => Promise<void>, prefetch = 1) {
      const subscription = await t.consume(queue, onDelivery, { prefetch });
      subscriptions.push(subscription);
      return subscription;
    }
    function message(n: number): OutgoingMessage {
      const envelope = createEnvelope(TEST_MESSAGE_TYPE, { n });
      return { messageId: envelope.id, type: envelope.type, correlationId: envelope.correlationId, body: JSON.stringify(envelope) };
    }

    it("redelivers a message whose consumer died holding it, with the same attempt, and ignores the dead one's late ack", async () => {
      const queue = `${uniquePrefix()}lease`;
      const sent = message(1);
      const dying = transport({ leaseMs: 150 });
      await dying.send(queue, sent);
      // Returning without settling is what a crashed consumer looks like: the lease is no longer renewed.
      const abandoned: Delivery[] = [];
      const dead = await consume(dying, queue, (d) => {
        abandoned.push(d);
        return Promise.resolve();
      });
      await waitFor(() => abandoned.length === 1, { what: "first delivery" });
      await dead.close();

      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const redelivered: Delivery[] = [];
      await consume(transport({ leaseMs: 2000 }), queue, async (d) => {
        redelivered.push(d);
        await held;
      });
      const again = await waitFor(() => redelivered[0], { what: "redelivery after the lease expired" });
      expect(again).toMatchObject({ messageId: sent.messageId, body: sent.body, attempt: 1, firstFailedAt: undefined });

      await abandoned[0]!.ack();
      expect(await dying.depth(queue)).toEqual({ ready: 1, deadLettered: 0 });
      await again.ack();
      release();
      expect(await dying.depth(queue)).toEqual({ ready: 0, deadLettered: 0 });
      expect(redelivered).toHaveLength(1);
    });

    it("renews the lease while a long handler runs, so no other consumer gets the message", async () => {
      const LEASE_MS = 1500;
      const queue = `${uniquePrefix()}heartbeat`;
      const sent = message(2);
      const seen: string[] = [];
      let finished = false;
      const slow = async (d: Delivery) => {
        seen.push(d.messageId);
        // Four lease periods; without renewal the other consumer would take the message. The lease
        // is long next to the heartbeat (a third of it), so a loaded machine's late timer or slow
        // query does not lose it: the test is about renewal, not about how fast it comes.
        await new Promise((resolve) => setTimeout(resolve, 4 * LEASE_MS));
        await d.ack();
        finished = true;
      };
      await consume(transport({ leaseMs: LEASE_MS }), queue, slow);
      await consume(transport({ leaseMs: LEASE_MS }), queue, slow);
      await open[0]!.send(queue, sent);
      await waitFor(() => finished, { what: "the slow handler to finish" });
      expect(seen).toEqual([sent.messageId]);
      expect(await open[0]!.depth(queue)).toEqual({ ready: 0, deadLettered: 0 });
    });

    it("dead-letters a message that keeps being claimed and never settled, with DELIVERY_LIMIT", async () => {
      const queue = `${uniquePrefix()}poison`;
      const sent = message(3);
      const t = transport({ leaseMs: 50, maxDeliveries: 3 });
      await t.send(queue, sent);
      const attempts: number[] = [];
      await consume(t, queue, (d) => {
        attempts.push(d.attempt);
        return Promise.resolve();
      });
      const dead = await waitFor(() => t.getDeadLetter(queue, sent.messageId), { what: "the poison message dead-lettered" });
      expect(attempts).toEqual([1, 1, 1]);
      expect(dead).toMatchObject({ messageId: sent.messageId, body: sent.body, attempts: 1, reason: { code: "DELIVERY_LIMIT" } });
      expect(await t.depth(queue)).toEqual({ ready: 0, deadLettered: 1 });
    });

    it("keeps a retried message in depth while it waits, with its error and first failure time", async () => {
      const queue = `${uniquePrefix()}retry`;
      const sent = message(4);
      const t = transport();
      await t.send(queue, sent);
      const seen: Delivery[] = [];
      await consume(t, queue, async (d) => {
        seen.push(d);
        await d.retry(60_000, { code: "LATER", message: "try again in a minute" });
      });
      await waitFor(() => seen.length === 1, { what: "first delivery" });
      expect(await t.depth(queue)).toEqual({ ready: 1, deadLettered: 0 });
      const { rows } = await db.pool.query(
        `select attempt, last_error_code, last_error, first_failed_at is not null as failed, available_at > now() as waiting,
                lease_token is null as unleased
           from bus_messages where queue = $1`,
        [queue],
      );
      expect(rows).toEqual([
        { attempt: 2, last_error_code: "LATER", last_error: "try again in a minute", failed: true, waiting: true, unleased: true },
      ]);
    });

    it("wakes an idle consumer through NOTIFY, not only by polling", async () => {
      const queue = `${uniquePrefix()}notify`;
      const t = transport({ pollIntervalMs: 600_000 });
      const seen: string[] = [];
      await consume(t, queue, async (d) => {
        seen.push(d.messageId);
        await d.ack();
      });
      await waitFor(async () => (await listeners()) > 0, { what: "the LISTEN connection" });
      const sent = [message(5), message(6)];
      for (const m of sent) await transport().send(queue, m);
      await waitFor(() => seen.length === 2, { what: "both messages delivered" });
      expect(seen).toEqual(sent.map((m) => m.messageId));
    });

    it("releases its LISTEN connection on close and leaves the pool open", async () => {
      const t = transport();
      await consume(t, `${uniquePrefix()}close`, () => Promise.resolve());
      await waitFor(async () => (await listeners()) === 1, { what: "one LISTEN connection" });
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
      await t.close();
      await waitFor(async () => (await listeners()) === 0, { what: "no LISTEN connection" });
      await expect(t.send("q", message(7))).rejects.toMatchObject({ code: "BUS_CLOSED" });
      await expect(db.pool.query("select 1 as one")).resolves.toMatchObject({ rows: [{ one: 1 }] });
    });

    async function listeners(): Promise<number> {
      const { rows } = await db.pool.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()`,
      );
      return rows[0]?.n ?? 0;
    }
  });
});
