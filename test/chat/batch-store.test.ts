import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storeBatch } from "../../services/chat-relay/batch-store.ts";
import type { BatchItem } from "../../services/chat-relay/batch-store.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { seedServiceRequest, userId } from "./support.ts";

describe("group commit of chat sends", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  const item = (serviceRequestId: string, senderId: string, clientMessageId: string, expiresInMs = 60_000): BatchItem => ({
    id: randomUUID(),
    send: { serviceRequestId, senderId, text: `from ${senderId}`, clientMessageId, expiresAt: new Date(Date.now() + expiresInMs).toISOString() },
  });

  it("stores a batch in one transaction, sequences per request in arrival order, each check as for a single send", async () => {
    const customer = userId("customer");
    const technician = userId("tech");
    const one = await seedServiceRequest(db.pool, { customerId: customer, technicianId: technician });
    const two = await seedServiceRequest(db.pool, { customerId: customer, technicianId: technician });
    const closed = await seedServiceRequest(db.pool, { customerId: customer, technicianId: technician, closedAt: new Date() });
    const [earlier] = await storeBatch(db.pool, [item(one, customer, "c-earlier")]);
    expect(earlier).toMatchObject({ outcome: "stored", message: { sequence: 1 } });

    const outcomes = await storeBatch(db.pool, [
      item(one, customer, "c1"),
      item(two, technician, "c1"),
      item(one, technician, "c2"),
      item(one, customer, "c1"),
      item(one, customer, "c-earlier"),
      item(one, userId("outsider"), "c3"),
      item(closed, customer, "c4"),
      item(randomUUID(), customer, "c5"),
      item(two, customer, "c6", -1000),
      item(two, customer, "c7"),
    ]);
    expect(outcomes.map((o) => (o.outcome === "rejected" ? o.code : `${o.outcome} ${o.message.serviceRequestId === one ? "one" : "two"}#${o.message.sequence}`))).toEqual([
      "stored one#2",
      "stored two#1",
      "stored one#3",
      "duplicate one#2",
      "duplicate one#1",
      "CHAT_FORBIDDEN",
      "CHAT_CLOSED",
      "CHAT_FORBIDDEN",
      "CHAT_SEND_EXPIRED",
      "stored two#2",
    ]);
    const { rows } = await db.pool.query<{ service_request_id: string; sequence: string }>(
      "select service_request_id, sequence from chat_messages where service_request_id = any($1) order by service_request_id, sequence",
      [[one, two, closed]],
    );
    expect(rows.filter((r) => r.service_request_id === one).map((r) => Number(r.sequence))).toEqual([1, 2, 3]);
    expect(rows.filter((r) => r.service_request_id === two).map((r) => Number(r.sequence))).toEqual([1, 2]);
    expect(rows.some((r) => r.service_request_id === closed)).toBe(false);
  });

  it("keeps sequences gap-free when batches for one request run concurrently", async () => {
    const customer = userId("customer");
    const id = await seedServiceRequest(db.pool, { customerId: customer, technicianId: null });
    const batches = Array.from({ length: 8 }, (_, b) => Array.from({ length: 25 }, (_, n) => item(id, customer, `b${b}-${n}`)));
    const outcomes = (await Promise.all(batches.map((batch) => storeBatch(db.pool, batch)))).flat();
    const sequences = outcomes.map((o) => (o.outcome === "stored" ? o.message.sequence : 0)).sort((x, y) => x - y);
    expect(sequences).toEqual(Array.from({ length: 200 }, (_, n) => n + 1));
  });
});
