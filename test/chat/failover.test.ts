import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, inject, it } from "vitest";
import { CHAT_HUB_PATH } from "../../services/chat-relay/hub.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { BUS_KINDS, SECRET, chatPrefix, cleanupAmqp, connectClient, seedServiceRequest, startTestRelay, tokenFor, userId } from "./support.ts";
import type { ChatClient, TestBusKind, TestRelay } from "./support.ts";

const MAIN = fileURLToPath(new URL("../../services/chat-relay/main.ts", import.meta.url));

/** `services/chat-relay/main.ts` in a child process, as deployed; resolves with its URL once it serves. */
async function spawnRelay(kind: TestBusKind, databaseUrl: string, prefix: string, dataDir: string) {
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      DATABASE_URL: databaseUrl,
      ...(kind === "amqp" ? { AMQP_URL: inject("amqpUrl") } : {}),
      QUEUE_PREFIX: prefix,
      JWT_SECRET: SECRET,
      AZURE_STORAGE_CONNECTION_STRING: inject("storageConnectionString"),
      DATA_DIR: dataDir,
      CHAT_PORT: "0",
      CHAT_HOST: "127.0.0.1",
      METRICS_PORT: "0",
      RETRY_BASE_MS: "50",
      RETRY_MAX_MS: "400",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await waitFor(() => /chat-relay: (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1] ?? (child.exitCode !== null && "exited"), {
    timeoutMs: 30_000,
    what: "the relay process to serve",
  });
  if (url === "exited") throw new Error(`relay process exited: ${stderr}`);
  return { child, hubUrl: `${url}${CHAT_HUB_PATH}` };
}

describe.each(BUS_KINDS)("a relay instance killed mid-conversation (%s transport)", (kind) => {
  let db: TestDatabase | undefined;
  let survivor: TestRelay | undefined;
  let child: ChildProcess | undefined;
  let dataDir: string | undefined;
  let prefix = "";
  const clients: ChatClient[] = [];

  afterEach(async () => {
    child?.kill("SIGKILL");
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await survivor?.stop();
    if (kind === "amqp") await cleanupAmqp(prefix);
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("lets its clients reconnect to the other instance and catch up with nothing lost", async () => {
    db = await createTestDatabase();
    prefix = chatPrefix();
    dataDir = await mkdtemp(join(tmpdir(), "chat-relay-"));
    const doomed = await spawnRelay(kind, db.url, prefix, dataDir);
    child = doomed.child;
    survivor = await startTestRelay(kind, db.url, prefix);
    const customerId = userId("customer");
    const technicianId = userId("tech");
    const id = await seedServiceRequest(db.pool, { customerId, technicianId });
    const customerToken = await tokenFor(customerId);
    const customer = await connectClient(doomed.hubUrl, customerToken);
    clients.push(customer);
    const technician = await connectClient(survivor.hubUrl, await tokenFor(technicianId, "technician"));
    clients.push(technician);
    await customer.join(id);
    await technician.join(id);

    for (let n = 1; n <= 3; n++) await customer.send(id, `before ${n}`);
    await waitFor(() => technician.received.length === 3, { what: "three messages to cross" });
    await waitFor(() => customer.received.length === 3, { what: "the customer's own copies" });
    const closed = new Promise<void>((resolve) => customer.connection.onclose(() => resolve()));
    child.kill("SIGKILL");
    await closed;

    const missed = [];
    for (let n = 1; n <= 4; n++) missed.push(await technician.send(id, `while away ${n}`));
    const lastSeen = Math.max(...customer.received.map((m) => m.sequence));
    const back = await connectClient(survivor.hubUrl, customerToken);
    clients.push(back);
    const caughtUp = await back.join(id, lastSeen);
    expect(caughtUp).toEqual(missed);
    const after = await back.send(id, "back again");
    expect(after.sequence).toBe(8);
    await waitFor(() => technician.received.some((m) => m.id === after.id), { what: "the message after reconnecting" });
    const history = await back.join(id, 0);
    expect(history.map((m) => m.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
