import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RATE_LIMIT_MESSAGE } from "../../services/chat-relay/signalr/index.ts";
import { startRetentionJob } from "../../services/chat-relay/retention.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { testLogger } from "../support/bus.ts";
import { waitFor } from "../support/wait.ts";
import { chatPrefix, connectClient, seedServiceRequest, startTestRelay, tokenFor, userId } from "./support.ts";
import type { TestRelay } from "./support.ts";

const DAY_MS = 86_400_000;

describe("chat limits and retention", () => {
  let db: TestDatabase;
  let relay: TestRelay;

  beforeAll(async () => {
    db = await createTestDatabase();
    relay = await startTestRelay("postgres", db.url, chatPrefix(), { maxConnectionsPerUser: 2 });
  });
  afterAll(async () => {
    await relay.stop();
    await db.drop();
  });

  it("bounds the connections one user may hold", async () => {
    const user = userId("customer");
    const token = await tokenFor(user);
    const first = await connectClient(relay.hubUrl, token);
    const second = await connectClient(relay.hubUrl, token);
    await expect(connectClient(relay.hubUrl, token)).rejects.toThrow(/Too many connections/);
    await first.stop();
    await waitFor(() => relay.hub.connectionsOf(user).length === 1, { what: "the server to see the close" });
    const third = await connectClient(relay.hubUrl, token);
    await Promise.all([second.stop(), third.stop()]);
  });

  it("rate limits a connection that sends too fast, with a clear hub error", async () => {
    // A limit of its own that does not refill during the test, so how many pass does not depend
    // on how fast this machine sends: the join and four sends use the five tokens.
    const limited = await startTestRelay("postgres", db.url, chatPrefix(), {}, { rateLimit: { burst: 5, perSecond: 0.001 } });
    const customerId = userId("customer");
    const id = await seedServiceRequest(db.pool, { customerId, technicianId: userId("tech") });
    const customer = await connectClient(limited.hubUrl, await tokenFor(customerId));
    try {
      await customer.join(id);
      const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, n) => customer.send(id, `flood ${n}`)));
      const refused = outcomes.filter((o) => o.status === "rejected").map((o) => String((o.reason as Error).message));
      expect(refused).toHaveLength(36);
      expect(refused.every((m) => m.includes(RATE_LIMIT_MESSAGE))).toBe(true);
      const { rows } = await db.pool.query("select count(*)::int as n from chat_messages where service_request_id = $1", [id]);
      expect(rows[0]).toEqual({ n: 4 });
    } finally {
      await customer.stop();
      await limited.stop();
    }
  });

  it("deletes messages of requests closed more than a year ago, never before", async () => {
    const closedAt = new Date("2025-03-01T12:00:00Z");
    const customerId = userId("customer");
    const technicianId = userId("tech");
    const closed = await seedServiceRequest(db.pool, { customerId, technicianId });
    const open = await seedServiceRequest(db.pool, { customerId, technicianId });
    const customer = await connectClient(relay.hubUrl, await tokenFor(customerId));
    for (const id of [closed, open]) {
      await customer.join(id);
      await customer.send(id, "kept for a while");
      await customer.send(id, "and this too");
    }
    await customer.stop();
    await db.pool.query("update service_requests set status = 'closed', closed_at = $2 where id = $1", [closed, closedAt]);
    const count = async (id: string) =>
      (await db.pool.query<{ n: number }>("select count(*)::int as n from chat_messages where service_request_id = $1", [id])).rows[0]?.n;

    let now = new Date(closedAt.getTime() + 365 * DAY_MS - 1000);
    const job = startRetentionJob({ pool: db.pool, logger: testLogger(), intervalMs: 3_600_000, clock: () => now });
    try {
      for (const at of [closedAt.getTime(), closedAt.getTime() + 200 * DAY_MS, closedAt.getTime() + 365 * DAY_MS - 1000]) {
        now = new Date(at);
        expect(await job.runOnce()).toBe(0);
        expect(await count(closed)).toBe(2);
      }
      now = new Date(closedAt.getTime() + 365 * DAY_MS + 1000);
      expect(await job.runOnce()).toBe(2);
      expect(await count(closed)).toBe(0);
      now = new Date(closedAt.getTime() + 3000 * DAY_MS);
      expect(await job.runOnce()).toBe(0);
      expect(await count(open)).toBe(2);
    } finally {
      await job.stop();
    }
  });
});
