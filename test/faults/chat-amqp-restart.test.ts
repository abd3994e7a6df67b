import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "../../services/chat-relay/model.ts";
import { chatPrefix, cleanupAmqp, connectClient, seedServiceRequest, startTestRelay, tokenFor, userId } from "../chat/support.ts";
import { rabbitmqctl } from "../support/amqp.ts";
import { createTestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";

/** Bounds on the sender loop, so a broker that never returns cannot keep the test running. */
const MAX_MESSAGES = 400;
const LOOP_BUDGET_MS = 90_000;
const BEFORE = 10;
const AFTER = 10;
/**
 * The sender sends again 20 ms after each answer, above the hub's default rate limit (a burst of
 * 20, then 10 invocations a second), which would then reject sends depending on how fast the
 * broker answers. This test is about storage across a restart, so nothing here is throttled.
 */
const HUB = { rateLimit: { burst: 10_000, perSecond: 10_000 } } as const;

describe("chat across a RabbitMQ restart", () => {
  it("stores and delivers every acknowledged message, reports the rest failed, and loses nothing", async () => {
    await rabbitmqctl("await_startup");
    const db = await createTestDatabase();
    const prefix = chatPrefix();
    const a = await startTestRelay("amqp", db.url, prefix, { sendTimeoutMs: 3000 }, HUB);
    const b = await startTestRelay("amqp", db.url, prefix, { sendTimeoutMs: 3000 }, HUB);
    const customerId = userId("customer");
    const technicianId = userId("tech");
    const id = await seedServiceRequest(db.pool, { customerId, technicianId });
    const customer = await connectClient(a.hubUrl, await tokenFor(customerId));
    const technician = await connectClient(b.hubUrl, await tokenFor(technicianId, "technician"));
    try {
      await customer.join(id);
      await technician.join(id);
      const acknowledged = new Map<string, ChatMessage>();
      const failed: string[] = [];
      let restarted = false;
      let acknowledgedAfter = 0;
      const sender = (async () => {
        const deadline = Date.now() + LOOP_BUDGET_MS;
        for (let n = 0; n < MAX_MESSAGES && Date.now() < deadline && acknowledgedAfter < AFTER; n++) {
          const after = restarted;
          const clientMessageId = `m${n}`;
          try {
            acknowledged.set(clientMessageId, await customer.send(id, `message ${n}`, clientMessageId));
            if (after) acknowledgedAfter += 1;
          } catch (error) {
            expect(String(error)).toMatch(/not stored|not confirmed|unavailable/);
            failed.push(clientMessageId);
          }
          await sleep(20);
        }
      })();
      await waitFor(() => acknowledged.size >= BEFORE, { what: `${BEFORE} messages before the restart` });
      await rabbitmqctl("stop_app");
      await sleep(3000);
      await rabbitmqctl("start_app");
      await rabbitmqctl("await_startup");
      restarted = true;
      await sender;
      expect(acknowledgedAfter).toBe(AFTER);
      // The fan-out re-subscribed after the restart: a message sent now arrives live. Each relay
      // re-binds when its own connection returns, so the other instance may still have been
      // re-binding while the loop above ran; probe until one push lands (bounded).
      let probe = 0;
      await waitFor(
        async () => {
          const clientMessageId = `probe${probe++}`;
          const sent = await customer.send(id, `probe ${probe}`, clientMessageId);
          acknowledged.set(clientMessageId, sent);
          await sleep(200);
          return technician.received.some((m) => m.id === sent.id);
        },
        { timeoutMs: 20_000, intervalMs: 100, what: "a live push after the restart" },
      );

      // Whatever was reported failed is safe to send again with its id: stored once either way.
      for (const clientMessageId of failed) {
        const n = clientMessageId.slice(1);
        acknowledged.set(clientMessageId, await customer.send(id, `message ${n}`, clientMessageId));
      }
      const { rows } = await db.pool.query<{ sequence: string; client_message_id: string }>(
        "select sequence, client_message_id from chat_messages where service_request_id = $1 order by sequence",
        [id],
      );
      expect(rows.map((r) => Number(r.sequence))).toEqual(rows.map((_, i) => i + 1));
      expect(new Set(rows.map((r) => r.client_message_id))).toEqual(new Set(acknowledged.keys()));
      // Live pushes missed while the fan-out was down are caught up by sequence, as a client does on a gap.
      const live = new Map(technician.received.map((m) => [m.id, m]));
      const caughtUp = await technician.join(id, 0);
      for (const message of acknowledged.values()) expect(caughtUp).toContainEqual(message);
      expect(caughtUp).toHaveLength(acknowledged.size);
      for (const message of live.values()) expect(caughtUp).toContainEqual(message);
    } finally {
      await customer.stop();
      await technician.stop();
      await a.stop();
      await b.stop();
      await cleanupAmqp(prefix);
      await db.drop();
    }
  });
});
