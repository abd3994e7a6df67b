import { connect, createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { TEXT_INVOICES, textPdf } from "../support/invoices.ts";
import { deleteQueues } from "../support/amqp.ts";
import { waitFor } from "../support/wait.ts";
import { registrationForm, startStack, testBus } from "./stack.ts";
import type { Stack } from "./stack.ts";

/** A TCP proxy to the broker that can be cut and restored on the same port: RabbitMQ "down" for whoever connects through it. */
function brokerProxy(target: URL) {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let port = 0;
  return {
    get port() {
      return port;
    },
    async start() {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5672), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => server?.listen(port, "127.0.0.1", resolve));
      const address = server.address();
      if (address && typeof address === "object") port = address.port;
    },
    async stop() {
      const closing = new Promise<void>((resolve) => server?.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closing;
    },
  };
}


describe("outbox: ocr.requested survives a broker outage at commit time", () => {
  let stack: Stack;
  const proxy = brokerProxy(new URL(inject("amqpUrl")));
  let relayQueues: Set<string> | undefined;
  let closeRelayBus: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    stack = await startStack("amqp");
    await proxy.start();
    const url = new URL(inject("amqpUrl"));
    url.host = `127.0.0.1:${proxy.port}`;
    const relay = await testBus("amqp", stack.pool, { prefix: stack.prefix, url: url.toString() });
    relayQueues = relay.queues;
    closeRelayBus = () => relay.bus.close();
    await stack.startWorkers({ relayBus: relay.bus });
  });
  afterAll(async () => {
    await stack?.stopWorkers();
    await closeRelayBus?.();
    await proxy.stop();
    if (relayQueues) await deleteQueues(inject("amqpUrl"), relayQueues);
    await stack?.stop();
  });

  it("keeps the event in the outbox while the broker is unreachable and publishes it when it is back", async () => {
    await proxy.stop();
    const res = await stack.app.request("/api/v1/products", {
      method: "POST",
      headers: { ...(await stack.auth("olga", "consumer")), prefer: "wait=10" },
      body: registrationForm(
        { brand: "Acme", modelNumber: "WM-1200", serialNumber: "OUT001", purchaseDate: "2024-03-05" },
        { bytes: await textPdf(TEXT_INVOICES[0]!) },
      ),
    });
    // The product is committed with its outbox row while the relay's broker is gone.
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const row = async () =>
      (
        await stack.pool.query<{ attempts: number; sent: boolean; last_error: string | null }>(
          "select attempts, sent_at is not null as sent, last_error from outbox where body::jsonb #>> '{payload,productId}' = $1",
          [id],
        )
      ).rows[0];
    const failed = await waitFor(async () => {
      const r = await row();
      return r !== undefined && r.attempts >= 1 ? r : undefined;
    }, { what: "a failed relay attempt" });
    expect(failed).toMatchObject({ sent: false });
    expect(failed.last_error).toMatch(/BUS_UNAVAILABLE|unavailable|connect/i);
    const pending = await stack.pool.query<{ ocr_status: string }>("select ocr_status from products where id = $1", [id]);
    expect(pending.rows[0]?.ocr_status).toBe("pending");

    await proxy.start();
    await waitFor(async () => (await row())?.sent, { timeoutMs: 45_000, what: "the outbox row to be sent" });
    const verified = await waitFor(
      async () => {
        const { rows } = await stack.pool.query<{ ocr_status: string }>("select ocr_status from products where id = $1", [id]);
        return rows[0]?.ocr_status !== "pending" ? rows[0]?.ocr_status : undefined;
      },
      { timeoutMs: 45_000, what: "the OCR outcome" },
    );
    expect(verified).toBe("verified");
  });
});
