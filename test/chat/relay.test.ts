import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { announceToChat } from "../../services/api/service-requests/chat.ts";
import { serviceRequestRoutes } from "../../services/api/service-requests/routes.ts";
import type { ChatMessage } from "../../services/chat-relay/model.ts";
import { testApp } from "../support/api-app.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { BUS_KINDS, chatPrefix, cleanupAmqp, connectClient, seedServiceRequest, startTestRelay, tokenFor, userId } from "./support.ts";
import type { ChatClient, TestRelay } from "./support.ts";

describe.each(BUS_KINDS)("chat across two relay instances (%s transport)", (kind) => {
  let db: TestDatabase;
  let prefix: string;
  let a: TestRelay;
  let b: TestRelay;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = chatPrefix();
    a = await startTestRelay(kind, db.url, prefix);
    b = await startTestRelay(kind, db.url, prefix);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    if (kind === "amqp") await cleanupAmqp(prefix);
    await db.drop();
  });

  async function client(relay: TestRelay, user: string, role: "consumer" | "technician" = "consumer") {
    const made = await connectClient(relay.hubUrl, await tokenFor(user, role));
    clients.push(made);
    return made;
  }

  async function conversation() {
    const customerId = userId("customer");
    const technicianId = userId("tech");
    const id = await seedServiceRequest(db.pool, { customerId, technicianId });
    const customer = await client(a, customerId);
    const technician = await client(b, technicianId, "technician");
    expect(await customer.join(id)).toEqual([]);
    expect(await technician.join(id)).toEqual([]);
    return { id, customerId, technicianId, customer, technician };
  }

  it("delivers messages both ways between clients on different instances, in sequence", async () => {
    const { id, customerId, technicianId, customer, technician } = await conversation();
    const first = await customer.send(id, "Hello, my washer leaks.");
    expect(first).toMatchObject({ serviceRequestId: id, sequence: 1, senderId: customerId, senderRole: "customer" });
    await waitFor(() => technician.received.length === 1, { what: "the technician to receive" });
    expect(technician.received[0]).toEqual(first);
    const second = await technician.send(id, "I will come on Tuesday.");
    expect(second).toMatchObject({ sequence: 2, senderId: technicianId, senderRole: "technician" });
    await waitFor(() => customer.received.some((m) => m.sequence === 2), { what: "the customer to receive" });
    expect(customer.received.find((m) => m.sequence === 2)).toEqual(second);
    // A late joiner catches up in order from any sequence.
    const late = await client(b, customerId);
    expect(await late.join(id)).toEqual([first, second]);
    expect(await late.join(id, 1)).toEqual([second]);
  });

  it("never stores a retried clientMessageId twice and delivers it once", async () => {
    const { id, customer, technician } = await conversation();
    const clientMessageId = randomUUID();
    const [one, two] = await Promise.all([customer.send(id, "once", clientMessageId), customer.send(id, "once", clientMessageId)]);
    const three = await customer.send(id, "once", clientMessageId);
    expect(two).toEqual(one);
    expect(three).toEqual(one);
    const sentinel = await customer.send(id, "sentinel");
    expect(sentinel.sequence).toBe(one.sequence + 1);
    await waitFor(() => technician.received.some((m) => m.id === sentinel.id), { what: "the sentinel" });
    expect(technician.received.map((m) => m.text)).toEqual(["once", "sentinel"]);
    const { rows } = await db.pool.query("select sequence from chat_messages where service_request_id = $1 order by sequence", [id]);
    expect(rows.map((r: { sequence: string }) => Number(r.sequence))).toEqual([1, 2]);
  });

  it("refuses anyone but the customer and the assigned technician", async () => {
    const { id } = await conversation();
    const outsider = await client(a, userId("outsider"));
    await expect(outsider.join(id)).rejects.toThrow(/not a participant/);
    await expect(outsider.send(id, "let me in")).rejects.toThrow(/not a participant/);
    await expect(outsider.join(randomUUID())).rejects.toThrow(/not a participant/);
    const token = await tokenFor(userId("outsider"));
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const get = await fetch(`${a.url}/api/v1/service-requests/${id}/messages`, { headers });
    expect(get.status).toBe(403);
    const post = await fetch(`${a.url}/api/v1/service-requests/${id}/messages`, {
      method: "POST",
      headers,
      body: JSON.stringify({ text: "hi", clientMessageId: "c1" }),
    });
    expect(post.status).toBe(403);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe("CHAT_FORBIDDEN");
    const { rows } = await db.pool.query("select count(*)::int as n from chat_messages where service_request_id = $1", [id]);
    expect(rows[0]).toEqual({ n: 0 });
  });

  it("checks the text length and the client message id", async () => {
    const { id, customer } = await conversation();
    await expect(customer.send(id, "")).rejects.toThrow(/1 to 4000 characters/);
    await expect(customer.send(id, "x".repeat(4001))).rejects.toThrow(/1 to 4000 characters/);
    await expect(customer.connection.invoke("SendMessage", id, "hi", 42)).rejects.toThrow(/clientMessageId/);
    const longest = await customer.send(id, "y".repeat(4000));
    expect(longest.text).toHaveLength(4000);
  });

  it("removes a reassigned technician at once, whether or not the reassignment is announced", async () => {
    const { id, technicianId, customer, technician } = await conversation();
    const replacementId = userId("tech2");
    const replacement = await client(a, replacementId, "technician");
    await expect(replacement.join(id)).rejects.toThrow(/not a participant/);
    await db.pool.query("update service_requests set technician_id = $2 where id = $1", [id, replacementId]);
    // Not announced yet: the next stored message carries the participants and evicts the old one.
    expect(await replacement.join(id)).toEqual([]);
    const message = await customer.send(id, "Who is coming?");
    await waitFor(() => replacement.received.some((m) => m.id === message.id), { what: "the new technician to receive" });
    await waitFor(() => technician.removed.includes(id), { what: "the old technician to be told" });
    expect(technician.received).toEqual([]);
    await expect(technician.send(id, "still here?")).rejects.toThrow(/not a participant/);
    await expect(technician.join(id)).rejects.toThrow(/not a participant/);

    // Announced: an operator reassigns through the API, which broadcasts chat.participants-changed.
    const back = await client(b, technicianId, "technician");
    const { app, sign } = await testApp({ routes: [serviceRequestRoutes({ pool: db.pool, participantsChanged: announceToChat(a.bus) })] });
    const reassigned = await app.request(`/api/v1/service-requests/${id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${await sign({ subject: "ops-1", role: "operator" })}`, "content-type": "application/json" },
      body: JSON.stringify({ technicianId }),
    });
    expect(reassigned.status).toBe(200);
    await waitFor(() => replacement.removed.includes(id), { what: "the replaced technician to be told" });
    await back.join(id);
    const after = await customer.send(id, "Welcome back.");
    await waitFor(() => back.received.some((m) => m.id === after.id), { what: "the returning technician to receive" });
    expect(replacement.received.map((m) => m.id)).toEqual([message.id]);
  });

  it("serves the history and sends over HTTP, and pushes HTTP sends to hub clients", async () => {
    const { id, customerId, technician } = await conversation();
    const headers = { authorization: `Bearer ${await tokenFor(customerId)}`, "content-type": "application/json" };
    const url = `${b.url}/api/v1/service-requests/${id}/messages`;
    const sent: ChatMessage[] = [];
    for (let n = 1; n <= 3; n++) {
      const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ text: `m${n}`, clientMessageId: `c${n}` }) });
      expect(response.status).toBe(201);
      sent.push((await response.json()) as ChatMessage);
    }
    expect(sent.map((m) => m.sequence)).toEqual([1, 2, 3]);
    await waitFor(() => technician.received.length === 3, { what: "three pushes" });
    const page = await fetch(`${url}?after=1&limit=1`, { headers });
    expect(await page.json()).toEqual({ messages: [sent[1]] });
    const all = await fetch(url, { headers });
    expect(await all.json()).toEqual({ messages: sent });
    const invalid = await fetch(url, { method: "POST", headers, body: JSON.stringify({ text: "", clientMessageId: "c9" }) });
    expect(invalid.status).toBe(422);
  });
});
