import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { startRoundRobinProxy } from "./round-robin-proxy.ts";
import type { RoundRobinProxy } from "./round-robin-proxy.ts";
import { negotiate, RawClient } from "./signalr/support.ts";
import { chatPrefix, cleanupAmqp, connectClient, seedServiceRequest, startTestRelay, tokenFor, userId } from "./support.ts";
import type { ChatClient, TestRelay } from "./support.ts";
import { CHAT_HUB_PATH } from "../../services/chat-relay/hub.ts";

const PAIRS = 50;

describe("chat behind a round-robin load balancer without affinity", () => {
  let db: TestDatabase;
  let prefix: string;
  let a: TestRelay;
  let b: TestRelay;
  let proxy: RoundRobinProxy;

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = chatPrefix();
    a = await startTestRelay("amqp", db.url, prefix, { maxConnectionsPerUser: 2 });
    b = await startTestRelay("amqp", db.url, prefix, { maxConnectionsPerUser: 2 });
    proxy = await startRoundRobinProxy([new URL(a.url), new URL(b.url)]);
  });
  afterAll(async () => {
    await proxy.close();
    await a.stop();
    await b.stop();
    await cleanupAmqp(prefix);
    await db.drop();
  });

  it("accepts a connection token negotiated on the other instance, and only a genuine one", async () => {
    const user = userId("customer");
    const token = await tokenFor(user);
    const { body } = await negotiate(a.hubUrl, { token });
    const connectionToken = encodeURIComponent(String(body["connectionToken"]));
    const client = await RawClient.connect(`${b.hubUrl}?id=${connectionToken}`, { authorization: `Bearer ${token}` });
    try {
      client.send({ type: 6 });
      await waitFor(() => b.hub.connectionsOf(user).length === 1, { what: "instance B to hold the connection" });
      expect(b.hub.connectionsOf(user)[0]?.id).toBe(body["connectionId"]);
      // The same token a second time on either instance, another user's, or a forged one: refused.
      const refused = async (url: string, bearer: string) =>
        RawClient.open(url, { authorization: `Bearer ${bearer}` }).then(
          (raw) => (raw.socket.terminate(), 101),
          (error: { status?: number }) => error.status,
        );
      expect(await refused(`${b.hubUrl}?id=${connectionToken}`, token)).toBe(409);
      expect(await refused(`${a.hubUrl}?id=${connectionToken}`, await tokenFor(userId("other")))).toBe(403);
      const forged = String(body["connectionToken"]).slice(0, -4) + "AAAA";
      expect(await refused(`${b.hubUrl}?id=${forged}`, token)).toBe(404);
    } finally {
      client.socket.terminate();
    }
  });

  it(`connects ${PAIRS * 2} official clients through the balancer and delivers their messages`, async () => {
    const hubUrl = `${proxy.url}${CHAT_HUB_PATH}`;
    const pairs: { id: string; customer: ChatClient; technician: ChatClient }[] = [];
    try {
      for (let n = 0; n < PAIRS; n += 10) {
        const batch = Array.from({ length: Math.min(10, PAIRS - n) }, async () => {
          const customerId = userId("customer");
          const technicianId = userId("tech");
          const id = await seedServiceRequest(db.pool, { customerId, technicianId });
          const customer = await connectClient(hubUrl, await tokenFor(customerId));
          const technician = await connectClient(hubUrl, await tokenFor(technicianId, "technician"));
          pairs.push({ id, customer, technician });
          await customer.join(id);
          await technician.join(id);
        });
        await Promise.all(batch);
      }
      expect(pairs).toHaveLength(PAIRS);
      // Both instances took clients, so many negotiated on one and connected to the other.
      const held = (relay: TestRelay) => pairs.filter((p) => [p.customer, p.technician].some((c) => relay.hub.connection(c.connection.connectionId ?? "") !== undefined)).length;
      expect(held(a)).toBeGreaterThan(0);
      expect(held(b)).toBeGreaterThan(0);
      await Promise.all(pairs.map((p) => p.customer.send(p.id, `hello from ${p.id}`)));
      await Promise.all(pairs.map((p) => p.technician.send(p.id, `reply to ${p.id}`)));
      for (const { id, customer, technician } of pairs) {
        await waitFor(() => customer.received.length === 2 && technician.received.length === 2, { what: "both messages at both ends" });
        expect(customer.received.map((m) => m.text)).toEqual([`hello from ${id}`, `reply to ${id}`]);
        expect(technician.received.map((m) => m.sequence)).toEqual([1, 2]);
      }
    } finally {
      await Promise.all(pairs.flatMap((p) => [p.customer.stop(), p.technician.stop()]));
    }
  });
});
