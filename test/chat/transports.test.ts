import { randomUUID } from "node:crypto";
import { HttpTransportType } from "@microsoft/signalr";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { chatPrefix, cleanupAmqp, connectClient, seedServiceRequest, startTestRelay, tokenFor, userId } from "./support.ts";
import type { ChatClient, ClientVariant, TestRelay } from "./support.ts";

const VARIANTS: readonly (ClientVariant & { readonly label: string })[] = [
  { label: "WebSockets, MessagePack", transport: HttpTransportType.WebSockets, protocol: "messagepack" },
  { label: "Server-Sent Events, JSON", transport: HttpTransportType.ServerSentEvents, protocol: "json" },
  { label: "long polling, JSON", transport: HttpTransportType.LongPolling, protocol: "json" },
  { label: "long polling, MessagePack", transport: HttpTransportType.LongPolling, protocol: "messagepack" },
];

describe("chat on every transport and hub protocol, across two relays", () => {
  let db: TestDatabase;
  let prefix: string;
  let a: TestRelay;
  let b: TestRelay;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = chatPrefix();
    a = await startTestRelay("amqp", db.url, prefix);
    b = await startTestRelay("amqp", db.url, prefix);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await cleanupAmqp(prefix);
    await db.drop();
  });

  async function client(relay: TestRelay, user: string, variant: ClientVariant, role: "consumer" | "technician" = "consumer") {
    const made = await connectClient(relay.hubUrl, await tokenFor(user, role), variant);
    clients.push(made);
    return made;
  }

  it.each(VARIANTS)("$label: authorises, pushes in order and catches up", async (variant) => {
    const customerId = userId("customer");
    const technicianId = userId("tech");
    const id = await seedServiceRequest(db.pool, { customerId, technicianId });
    const customer = await client(a, customerId, variant);
    const technician = await client(b, technicianId, variant, "technician");
    const outsider = await client(a, userId("outsider"), variant);
    await expect(outsider.join(id)).rejects.toThrow(/not a participant/);
    await expect(outsider.send(id, "let me in")).rejects.toThrow(/not a participant/);
    expect(await customer.join(id)).toEqual([]);
    expect(await technician.join(id)).toEqual([]);

    const sent = [];
    for (let n = 1; n <= 5; n++) sent.push(await customer.send(id, `message ${n} ✓`, randomUUID()));
    sent.push(await technician.send(id, "on my way"));
    expect(sent.map((m) => m.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    await waitFor(() => technician.received.length === 6 && customer.received.length === 6, { what: "six pushes at both ends" });
    expect(technician.received).toEqual(sent);
    expect(customer.received).toEqual(sent);

    // A client that was away catches up from the last sequence it saw, then gets pushes.
    const returning = await client(b, customerId, variant);
    expect(await returning.join(id, 4)).toEqual(sent.slice(4));
    const next = await technician.send(id, "arrived");
    await waitFor(() => returning.received.some((m) => m.id === next.id), { what: "the returning client's push" });
    expect(returning.received.map((m) => m.sequence)).toEqual([7]);
  });
});
