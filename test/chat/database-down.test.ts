import { createServer, connect } from "node:net";
import type { Server, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../../lib/db/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import type { Consumer } from "../../lib/bus/index.ts";
import { startChatWorker } from "../../services/chat-relay/worker.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { chatPrefix, cleanupAmqp, connectClient, makeBus, seedServiceRequest, startTestRelay, tokenFor, userId } from "./support.ts";
import type { ChatClient, TestRelay } from "./support.ts";

/**
 * A TCP hop between the worker and PostgreSQL. Taking it down is the database going away for
 * the worker alone: the shared server keeps running for everyone else.
 */
async function databaseHop(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const up = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, "127.0.0.1", () => {
        port = (server?.address() as { port: number }).port;
        resolve();
      });
    });
  const down = async () => {
    await new Promise<void>((resolve) => {
      server?.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  };
  await up();
  const url = new URL(target);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return { url: url.toString(), up, down };
}

describe("the database down for the chat worker", () => {
  let db: TestDatabase;
  let prefix: string;
  let a: TestRelay;
  let b: TestRelay;
  let workerPool: Pool;
  let worker: Consumer;
  let workerBus: Awaited<ReturnType<typeof makeBus>>;
  let hop: Awaited<ReturnType<typeof databaseHop>>;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = chatPrefix();
    a = await startTestRelay("amqp", db.url, prefix, { runWorker: false, sendTimeoutMs: 1500 });
    b = await startTestRelay("amqp", db.url, prefix, { runWorker: false, sendTimeoutMs: 1500 });
    hop = await databaseHop(new URL(db.url));
    workerPool = createPool(hop.url, { max: 4 });
    workerBus = await makeBus("amqp", db.url, prefix);
    worker = await startChatWorker(
      { pool: workerPool, bus: workerBus.bus },
      { concurrency: 2, maxAttempts: 50, backoff: { baseMs: 50, maxMs: 300 } },
    );
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await worker.close();
    await workerBus.bus.close();
    await workerBus.pool.end();
    await workerPool.end();
    await hop.down();
    await a.stop();
    await b.stop();
    await cleanupAmqp(prefix);
    await db.drop();
  });

  it("fails SendMessage, stores nothing and broadcasts nothing; later sends work again", async () => {
    const customerId = userId("customer");
    const technicianId = userId("tech");
    const id = await seedServiceRequest(db.pool, { customerId, technicianId });
    const customer = await connectClient(a.hubUrl, await tokenFor(customerId));
    const technician = await connectClient(b.hubUrl, await tokenFor(technicianId, "technician"));
    clients.push(customer, technician);
    await customer.join(id);
    await technician.join(id);
    const ok = await customer.send(id, "before the outage");
    await waitFor(() => technician.received.length === 1, { what: "the first message" });

    await hop.down();
    await expect(customer.send(id, "during the outage", "lost-1")).rejects.toThrow(/not stored/);
    await hop.up();

    const after = await customer.send(id, "after the outage");
    await waitFor(() => technician.received.some((m) => m.id === after.id), { what: "the message after the outage" });
    // The failed send stays failed even once the worker can reach the database again.
    await waitFor(async () => (await workerBus.bus.depth("chat")).ready === 0, { what: "the chat queue to drain" });
    expect(technician.received.map((m) => m.text)).toEqual(["before the outage", "after the outage"]);
    expect(customer.received.map((m) => m.id)).toEqual([ok.id, after.id]);
    const { rows } = await db.pool.query<{ sequence: string; text: string }>(
      "select sequence, text from chat_messages where service_request_id = $1 order by sequence",
      [id],
    );
    expect(rows).toEqual([
      { sequence: "1", text: "before the outage" },
      { sequence: "2", text: "after the outage" },
    ]);
  });
});
