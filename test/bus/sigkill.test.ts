import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { createAmqpTransport, createBus, createEnvelope, createPostgresTransport } from "../../lib/bus/index.ts";
import type { Bus, Envelope, Transport } from "../../lib/bus/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { TEST_MESSAGE_TYPE, testLogger, testValidator, uniquePrefix } from "../support/bus.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";

const WORKER = fileURLToPath(new URL("../support/sigkill-worker.ts", import.meta.url));

interface WorkerEvent {
  readonly event: string;
  readonly pid: number;
  readonly messageId?: string;
  readonly attempt?: number;
  readonly duplicate?: boolean;
}

/** A running sigkill-worker and what it has reported so far. */
interface Worker {
  readonly child: ChildProcess;
  readonly events: WorkerEvent[];
  readonly stderr: string[];
}

interface TransportCase {
  readonly name: string;
  /** What the worker's TRANSPORT variable selects. */
  readonly kind: string;
  make(pool: Pool): Promise<Transport>;
}

const cases: TransportCase[] = [
  {
    name: "postgres",
    kind: "postgres",
    make: (pool) => Promise.resolve(createPostgresTransport({ pool, logger: testLogger(), pollIntervalMs: 100 })),
  },
  {
    name: "amqp",
    kind: "amqp",
    make: () => Promise.resolve(createAmqpTransport({ url: inject("amqpUrl"), logger: testLogger() })),
  },
];

/** Where the first worker is killed: before its effect commits, or after but before the ack. */
const phases = ["in-transaction", "after-commit"] as const;
type Phase = (typeof phases)[number];

describe.each(cases)("a worker SIGKILLed mid-message ($name)", (transportCase) => {
  let db: TestDatabase | undefined;
  let bus: Bus | undefined;
  let prefix: string;
  const workers: Worker[] = [];

  beforeEach(async () => {
    bus = undefined;
    db = await createTestDatabase();
    await db.pool.query("create table sigkill_effects (id bigserial primary key, message_id text not null, pid integer not null)");
    prefix = uniquePrefix();
    bus = createBus({
      transport: await transportCase.make(db.pool),
      validator: await testValidator(),
      logger: testLogger(),
      queuePrefix: prefix,
    });
  });

  afterEach(async () => {
    for (const { child } of workers.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await once(child, "exit");
      }
    }
    await bus?.close();
    await db?.drop();
  });

  function startWorker(db: TestDatabase, phase: Phase, holdMs: number): Worker {
    const child = spawn(process.execPath, [WORKER], {
      env: {
        ...process.env,
        TRANSPORT: transportCase.kind,
        DATABASE_URL: db.url,
        AMQP_URL: inject("amqpUrl"),
        QUEUE_PREFIX: prefix,
        HOLD_MS: String(holdMs),
        HOLD_PHASE: phase,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const worker: Worker = { child, events: [], stderr: [] };
    createInterface({ input: child.stdout }).on("line", (line) => worker.events.push(JSON.parse(line) as WorkerEvent));
    child.stderr.on("data", (chunk: Buffer) => worker.stderr.push(chunk.toString()));
    workers.push(worker);
    return worker;
  }

  function reported(worker: Worker, event: string, messageId?: string): WorkerEvent | undefined {
    if (worker.child.exitCode !== null) throw new Error(`worker exited early: ${worker.stderr.join("")}`);
    return worker.events.find((e) => e.event === event && (messageId === undefined || e.messageId === messageId));
  }

  it.each(phases)("is handled exactly once in effect by the next worker, and the queue drains (killed %s)", async (phase) => {
    if (!db || !bus) throw new Error("fixture missing");
    const messages: Envelope[] = [1, 2, 3].map((n) => createEnvelope(TEST_MESSAGE_TYPE, { n }));
    const first = startWorker(db, phase, 120_000);
    await waitFor(() => reported(first, "ready"), { what: "first worker ready" });
    for (const message of messages) await bus.publish("work", message);

    const inFlight = await waitFor(() => reported(first, "handling"), { what: "first worker mid-message" });
    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    expect(first.child.signalCode).toBe("SIGKILL");

    const second = startWorker(db, phase, 0);
    for (const message of messages) {
      await waitFor(() => reported(second, "handled", message.id), { what: `${message.id} handled by the second worker` });
    }
    await waitFor(async () => (await bus?.depth("work"))?.ready === 0, { what: "queue drained" });

    const { rows: effects } = await db.pool.query<{ message_id: string; pid: number }>(
      "select message_id, pid from sigkill_effects order by message_id",
    );
    // Killed before commit, the first worker's effect vanished; after commit, its effect stands
    // and the redelivery finds the message in the inbox and does nothing.
    const byWhom = (id: string) => (phase === "after-commit" && id === inFlight.messageId ? first : second).child.pid;
    expect(effects).toEqual(
      messages.map((m) => ({ message_id: m.id, pid: byWhom(m.id) })).sort((a, b) => a.message_id.localeCompare(b.message_id)),
    );
    const { rows: inbox } = await db.pool.query<{ n: number }>("select count(*)::int as n from inbox");
    expect(inbox).toEqual([{ n: messages.length }]);
    const redelivery = reported(second, "handled", inFlight.messageId);
    expect(redelivery?.duplicate).toBe(phase === "after-commit");
    // A crash is not a failed attempt: the redelivered message keeps its attempt number.
    expect(redelivery?.attempt).toBe(inFlight.attempt);
    expect(await bus.depth("work")).toEqual({ ready: 0, deadLettered: 0 });

    second.child.kill("SIGTERM");
    const [code] = (await once(second.child, "exit")) as [number | null];
    expect(code).toBe(0);
  });
});
