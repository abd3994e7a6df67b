import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpTransportType } from "@microsoft/signalr";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../../lib/embedded/index.ts";
import type { ChatMessage } from "../../services/chat-relay/model.ts";
import { connectClient, seedServiceRequest, SECRET, tokenFor, userId } from "../chat/support.ts";
import type { ChatClient } from "../chat/support.ts";
import { officialClient } from "../chat/signalr/support.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { logLines, runScript } from "../support/process.ts";
import type { RunningChild } from "../support/process.ts";
import { waitFor } from "../support/wait.ts";

/** True once the process answers ready; throws at once if it exited instead, with its output. */
async function ready(origin: string, run: RunningChild): Promise<boolean> {
  if (run.child.exitCode !== null) {
    throw new Error(`exited with ${run.child.exitCode} before it was ready:\n${run.stderr()}\n${run.stdout()}`);
  }
  try {
    return (await fetch(`${origin}/health/ready`)).status === 200;
  } catch {
    return false;
  }
}

describe("`start all` serves the API and the chat hub on one origin", () => {
  let db: TestDatabase;
  let dataDir: string;
  let run: RunningChild;
  let origin: string;
  let chatPort: number;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "wh-one-origin-"));
    const port = await freePort();
    chatPort = await freePort();
    origin = `http://127.0.0.1:${port}`;
    // No AMQP_URL: the PostgreSQL bus, whose broadcast chat needs, keeps the shared broker out of it.
    run = runScript("bin/warranty-hub.ts", ["start", "all"], {
      DATABASE_URL: db.url,
      AZURE_STORAGE_CONNECTION_STRING: inject("storageConnectionString"),
      JWT_SECRET: SECRET,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      CHAT_PORT: String(chatPort),
      CHAT_HOST: "127.0.0.1",
      BACKUP_INTERVAL_MS: "0",
    });
    await waitFor(() => ready(origin, run), { timeoutMs: 50_000, what: "start all" });
    // The API may answer ready before the services after it have taken their place on its server.
    await waitFor(() => run.stderr().includes("chat-relay: "), { timeoutMs: 30_000, what: "the chat relay to serve" });
  });

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    if (run.child.exitCode === null) {
      run.child.kill("SIGKILL");
      await run.exited;
    }
    await rm(dataDir, { recursive: true, force: true });
    await db.drop();
  });

  async function client(user: string, role: "consumer" | "technician"): Promise<ChatClient> {
    const made = await connectClient(`${origin}/hubs/chat`, await tokenFor(user, role));
    clients.push(made);
    return made;
  }

  it("answers /health/ready and POST /hubs/chat/negotiate on the API's port, and nothing on CHAT_PORT", async () => {
    const token = await tokenFor(userId("customer"));
    const negotiate = await fetch(`${origin}/hubs/chat/negotiate?negotiateVersion=1`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, origin: "https://app.example" },
    });
    expect(negotiate.status).toBe(200);
    expect(negotiate.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(await negotiate.json()).toMatchObject({
      negotiateVersion: 1,
      availableTransports: [{ transport: "WebSockets" }, { transport: "ServerSentEvents" }, { transport: "LongPolling" }],
    });
    expect((await fetch(`${origin}/hubs/chat/negotiate`, { method: "POST" })).status).toBe(401);
    // The API's own routes and error bodies are untouched by the hub in front of them.
    expect((await fetch(`${origin}/health/live`)).status).toBe(200);
    expect(await (await fetch(`${origin}/no-such-route`)).json()).toMatchObject({ error: { code: "NOT_FOUND" } });
    await expect(fetch(`http://127.0.0.1:${chatPort}/hubs/chat/negotiate`, { method: "POST" })).rejects.toThrow();
    expect(run.stderr()).toContain(`chat-relay: ${origin}/hubs/chat`);
  });

  it("carries a conversation between official clients over WebSockets, and the chat HTTP routes, on the API's port", async () => {
    const customerId = userId("customer");
    const technicianId = userId("tech");
    const id = await seedServiceRequest(db.pool, { customerId, technicianId });
    const customer = await client(customerId, "consumer");
    const technician = await client(technicianId, "technician");
    expect(customer.connection.connectionId).toBeTruthy();
    expect(await customer.join(id)).toEqual([]);
    expect(await technician.join(id)).toEqual([]);

    const sent = await customer.send(id, "Hello, my washer leaks.");
    await waitFor(() => technician.received.some((m) => m.id === sent.id), { what: "the technician to receive" });

    const posted = await fetch(`${origin}/api/v1/service-requests/${id}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${await tokenFor(technicianId, "technician")}`, "content-type": "application/json" },
      body: JSON.stringify({ text: "I will come on Tuesday.", clientMessageId: randomUUID() }),
    });
    expect(posted.status).toBe(201);
    const reply = (await posted.json()) as ChatMessage;
    await waitFor(() => customer.received.some((m) => m.id === reply.id), { what: "the customer to receive" });
    const history = await fetch(`${origin}/api/v1/service-requests/${id}/messages`, {
      headers: { authorization: `Bearer ${await tokenFor(customerId)}` },
    });
    expect(((await history.json()) as { messages: ChatMessage[] }).messages.map((m) => m.text)).toEqual([
      "Hello, my washer leaks.",
      "I will come on Tuesday.",
    ]);
  });

  it("connects with WebSockets as the only transport, then drains on SIGTERM with clients connected", async () => {
    const connection = officialClient(`${origin}/hubs/chat`, await tokenFor(userId("customer")), {
      transport: HttpTransportType.WebSockets,
    });
    const closed = new Promise<Error | undefined>((resolve) => connection.onclose(resolve));
    await connection.start();
    expect(connection.state).toBe("Connected");
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    await closed;
    expect(logLines(run.stdout()).some((l) => l.msg === "stopped")).toBe(true);
  });
});

describe("a separate `start chat-relay`", () => {
  let db: TestDatabase;
  let dataDir: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "wh-chat-alone-"));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await db.drop();
  });

  it("keeps the hub on CHAT_PORT, with /metrics and /health on METRICS_PORT", async () => {
    const [chatPort, metricsPort] = [await freePort(), await freePort()];
    const run = runScript("bin/warranty-hub.ts", ["start", "chat-relay"], {
      DATABASE_URL: db.url,
      AZURE_STORAGE_CONNECTION_STRING: inject("storageConnectionString"),
      JWT_SECRET: SECRET,
      DATA_DIR: dataDir,
      CHAT_PORT: String(chatPort),
      CHAT_HOST: "127.0.0.1",
      METRICS_PORT: String(metricsPort),
    });
    try {
      await waitFor(() => ready(`http://127.0.0.1:${metricsPort}`, run), { timeoutMs: 50_000, what: "start chat-relay" });
      const hub = `http://127.0.0.1:${chatPort}/hubs/chat`;
      const negotiate = await fetch(`${hub}/negotiate?negotiateVersion=1`, {
        method: "POST",
        headers: { authorization: `Bearer ${await tokenFor(userId("customer"))}` },
      });
      expect(negotiate.status).toBe(200);
      expect(run.stderr()).toContain(`chat-relay: ${hub}`);
    } finally {
      run.child.kill("SIGTERM");
    }
    expect(await run.exited).toBe(0);
  });
});
