import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bus, Consumer } from "../../lib/bus/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import type { ChatMessage } from "../../services/chat-relay/model.ts";
import { startChatWorker } from "../../services/chat-relay/worker.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { BUS_KINDS, chatPrefix, cleanupAmqp, connectClient, makeBus, seedServiceRequest, startTestRelay, tokenFor, userId } from "./support.ts";
import type { ChatClient, TestRelay } from "./support.ts";

const WORKERS = 4;
const BURSTS = 3;
const PER_BURST = 40;

describe.each(BUS_KINDS)("chat order with %s, four chat workers and two relays", (kind) => {
  let db: TestDatabase;
  let prefix: string;
  let a: TestRelay;
  let b: TestRelay;
  const workers: { bus: Bus; pool: Pool; consumer: Consumer }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = chatPrefix();
    // The relays store nothing themselves: every send goes to one of the four workers.
    a = await startTestRelay(kind, db.url, prefix, { runWorker: false });
    b = await startTestRelay(kind, db.url, prefix, { runWorker: false });
    for (let n = 0; n < WORKERS; n++) {
      const { bus, pool } = await makeBus(kind, db.url, prefix);
      const consumer = await startChatWorker({ pool, bus }, { concurrency: 16, maxAttempts: 20, backoff: { baseMs: 20, maxMs: 200 } });
      workers.push({ bus, pool, consumer });
    }
  });
  afterAll(async () => {
    for (const worker of workers.splice(0)) {
      await worker.consumer.close();
      await worker.bus.close();
      await worker.pool.end();
    }
    await a.stop();
    await b.stop();
    if (kind === "amqp") await cleanupAmqp(prefix);
    await db.drop();
  });

  it("pushes every message of a request in sequence order to every receiver, on both relays", async () => {
    const customerId = userId("customer");
    const technicianId = userId("tech");
    const id = await seedServiceRequest(db.pool, { customerId, technicianId });
    const receivers: ChatClient[] = [];
    for (const relay of [a, b]) {
      receivers.push(await connectClient(relay.hubUrl, await tokenFor(customerId)));
      receivers.push(await connectClient(relay.hubUrl, await tokenFor(technicianId, "technician")));
    }
    try {
      for (const receiver of receivers) expect(await receiver.join(id)).toEqual([]);
      const headers = async (user: string, role: "consumer" | "technician") => ({
        authorization: `Bearer ${await tokenFor(user, role)}`,
        "content-type": "application/json",
      });
      const senders = [
        { url: `${a.url}/api/v1/service-requests/${id}/messages`, headers: await headers(customerId, "consumer") },
        { url: `${b.url}/api/v1/service-requests/${id}/messages`, headers: await headers(technicianId, "technician") },
      ];
      const stored: ChatMessage[] = [];
      for (let burst = 0; burst < BURSTS; burst++) {
        // All at once, through both relays, so the four workers store and fan out concurrently.
        const sends = Array.from({ length: PER_BURST }, async (_, n) => {
          const sender = senders[n % senders.length] ?? senders[0];
          const body = JSON.stringify({ text: `burst ${burst} #${n}`, clientMessageId: randomUUID() });
          const response = await fetch(sender?.url ?? "", { method: "POST", headers: sender?.headers ?? {}, body });
          expect(response.status).toBe(201);
          return (await response.json()) as ChatMessage;
        });
        stored.push(...(await Promise.all(sends)));
      }
      const total = BURSTS * PER_BURST;
      expect(stored.map((m) => m.sequence).sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, n) => n + 1));
      for (const receiver of receivers) {
        await waitFor(() => receiver.received.length >= total, { timeoutMs: 30_000, what: "every push to arrive" });
      }
      const inOrder = Array.from({ length: total }, (_, n) => n + 1);
      for (const receiver of receivers) expect(receiver.received.map((m) => m.sequence)).toEqual(inOrder);
    } finally {
      await Promise.all(receivers.map((receiver) => receiver.stop()));
    }
  });
});
