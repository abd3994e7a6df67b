import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readAudit } from "../../lib/audit/index.ts";
import { createAmqpTransport, createBus, createEnvelope } from "../../lib/bus/index.ts";
import type { Consumer } from "../../lib/bus/index.ts";
import { claimMessage, withTransaction } from "../../lib/db/index.ts";
import { createDeadLetterConsole } from "../../lib/dead-letters/index.ts";
import type { DeadLetterAction, DeadLetterDetail, DeadLetterListing, QueueSummary, SelectorInput } from "../../lib/dead-letters/index.ts";
import { AppError } from "../../lib/errors/index.ts";
import { createDlqCommand } from "../../bin/commands/dlq.ts";
import { deadLetterRoutes } from "../../services/api/admin/dead-letters.ts";
import { TEST_MESSAGE_TYPE, testLogger, testValidator } from "../support/bus.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { testApp } from "../support/api-app.ts";
import { TRANSPORTS, captureIo, platformOn } from "./support.ts";
import type { Platform } from "./support.ts";

/** The operations as one channel (CLI or HTTP) offers them. */
interface Driver {
  readonly actor: string;
  summary(): Promise<QueueSummary[]>;
  list(queue: string): Promise<DeadLetterListing>;
  show(queue: string, id: string): Promise<DeadLetterDetail>;
  replay(queue: string, selector: SelectorInput): Promise<DeadLetterAction>;
  purge(queue: string, selector: SelectorInput): Promise<DeadLetterAction>;
}

function cliDriver(platform: Platform): Driver & { run(args: string[]): Promise<{ code: number; out: string; err: string }> } {
  const io = captureIo();
  const command = createDlqCommand({ io, ...(platform.connect ? { connect: platform.connect } : {}) });
  const run = async (args: string[]) => {
    io.reset();
    const code = await command(args, { ...platform.env, USER: "alice" });
    return { code, out: io.stdout(), err: io.stderr() };
  };
  const json = async <T>(args: string[]): Promise<T> => {
    const result = await run([...args, "--json"]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    return JSON.parse(result.out) as T;
  };
  const selectorArgs = (s: SelectorInput) => [...(s.ids ?? []), ...(s.cause ? ["--cause", s.cause] : []), ...(s.all ? ["--all"] : [])];
  return {
    actor: "alice",
    run,
    summary: async () => (await json<{ queues: QueueSummary[] }>(["list"])).queues,
    list: (queue) => json(["list", queue]),
    show: (queue, id) => json(["show", queue, id]),
    replay: (queue, s) => json(["replay", queue, ...selectorArgs(s)]),
    purge: (queue, s) => json(["purge", queue, ...selectorArgs(s), "--yes"]),
  };
}

async function apiDriver(platform: Platform, db: TestDatabase): Promise<Driver> {
  const { app, sign } = await testApp({ routes: [deadLetterRoutes({ deadLetters: createDeadLetterConsole({ bus: platform.bus, pool: db.pool }) })] });
  const token = await sign({ subject: "op-bob", role: "operator" });
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return JSON.parse(text) as T;
  };
  const base = "/api/v1/admin/dead-letters";
  return {
    actor: "op-bob",
    summary: async () => (await call<{ queues: QueueSummary[] }>("GET", base)).queues,
    list: (queue) => call("GET", `${base}/${queue}`),
    show: (queue, id) => call("GET", `${base}/${queue}/${encodeURIComponent(id)}`),
    replay: (queue, s) => call("POST", `${base}/${queue}/replay`, s),
    purge: (queue, s) => call("POST", `${base}/${queue}/purge`, s),
  };
}

/**
 * An idempotent handler (inbox + effect in one transaction) that, while `broken`, fails
 * message 1 before its effect, message 2 after its effect was committed, and message 3 for good.
 */
function startHandler(platform: Platform, db: TestDatabase) {
  const state = { broken: true, deliveries: new Map<string, number>(), done: new Set<string>() };
  const consumer = platform.bus.consume(
    "ocr",
    async (message) => {
      const n = (message.payload as { n: number }).n;
      state.deliveries.set(message.id, (state.deliveries.get(message.id) ?? 0) + 1);
      if (state.broken && n !== 2) {
        throw new AppError(n === 1 ? "DEPENDENCY_UNAVAILABLE" : "BAD_DATA", `message ${n} cannot be handled`);
      }
      await withTransaction(db.pool, async (client) => {
        if (await claimMessage(client, "test-ocr", message.id)) {
          await client.query("insert into test_effects (message_id, n) values ($1, $2)", [message.id, n]);
        }
      });
      if (state.broken) throw new AppError("FOLLOW_UP_FAILED", "the step after the effect failed");
      state.done.add(message.id);
    },
    { maxAttempts: 1, concurrency: 2 },
  );
  return { state, consumer };
}

for (const transport of TRANSPORTS) {
  for (const channel of ["cli", "api"] as const) {
    describe(`dead-letter console: ${transport} through the ${channel}`, () => {
      let db: TestDatabase;
      let platform: Platform;
      let consumer: Promise<Consumer> | undefined;
      beforeEach(async () => {
        db = await createTestDatabase();
        await db.pool.query("create table test_effects (message_id text not null, n integer not null)");
        platform = await platformOn(transport, db);
      });
      afterEach(async () => {
        await (await consumer)?.close();
        await platform.cleanup();
        await db.drop();
      });

      it("lists by cause, shows, replays by cause and id keeping ids, purges, and audits each action", async () => {
        const driver = channel === "cli" ? cliDriver(platform) : await apiDriver(platform, db);
        const handler = startHandler(platform, db);
        consumer = handler.consumer;
        await consumer;
        const messages = [1, 2, 3].map((n) => createEnvelope(TEST_MESSAGE_TYPE, { n }));
        for (const message of messages) await platform.bus.publish("ocr", message);
        const [m1, m2, m3] = messages.map((m) => m.id) as [string, string, string];
        await waitFor(async () => (await platform.bus.depth("ocr")).deadLettered === 3, { what: "three dead letters" });

        const summary = await driver.summary();
        expect(summary.map((s) => s.queue)).toEqual(["registration", "import-chunk", "import-finalise", "ocr", "chat"]);
        expect(summary.find((s) => s.queue === "ocr")).toEqual({ queue: "ocr", ready: 0, deadLettered: 3 });
        const listing = await driver.list("ocr");
        expect(listing).toMatchObject({ queue: "ocr", total: 3, listed: 3 });
        expect(listing.groups.map((g) => [g.code, g.count, g.messages.map((m) => m.messageId)]).sort()).toEqual([
          ["BAD_DATA", 1, [m3]],
          ["DEPENDENCY_UNAVAILABLE", 1, [m1]],
          ["FOLLOW_UP_FAILED", 1, [m2]],
        ]);
        const detail = await driver.show("ocr", m1);
        expect(detail).toMatchObject({ queue: "ocr", messageId: m1, type: TEST_MESSAGE_TYPE, attempts: 1 });
        expect(detail.reason).toEqual({ code: "DEPENDENCY_UNAVAILABLE", message: "message 1 cannot be handled" });
        expect(detail.envelope).toMatchObject({ id: m1, payload: { n: 1 } });
        expect(Date.parse(detail.firstFailedAt)).toBeLessThanOrEqual(Date.parse(detail.lastFailedAt));

        handler.state.broken = false;
        expect(await driver.replay("ocr", { cause: "DEPENDENCY_UNAVAILABLE" })).toMatchObject({ action: "replay", ids: [m1], count: 1 });
        expect(await driver.replay("ocr", { ids: [m2] })).toMatchObject({ ids: [m2], count: 1 });
        await waitFor(() => handler.state.done.has(m1) && handler.state.done.has(m2), { what: "the replayed messages to be handled" });
        // Message 2's effect was committed before it failed; its replay kept the id, so the inbox skipped it.
        expect(handler.state.deliveries.get(m2)).toBe(2);
        const { rows } = await db.pool.query<{ message_id: string; n: number }>("select message_id, n from test_effects order by n");
        expect(rows).toEqual([
          { message_id: m1, n: 1 },
          { message_id: m2, n: 2 },
        ]);

        expect(await driver.purge("ocr", { all: true })).toMatchObject({ action: "purge", ids: [m3], count: 1 });
        expect(await platform.bus.depth("ocr")).toEqual({ ready: 0, deadLettered: 0 });
        expect((await driver.list("ocr")).groups).toEqual([]);

        const audit = await readAudit(db.pool, "dead-letters.");
        expect(audit.map((a) => [a.actor, a.action, a.target, a.outcome, a.details.ids, a.details.channel])).toEqual([
          [driver.actor, "dead-letters.replay", "queue:ocr", "ok", [m1], channel],
          [driver.actor, "dead-letters.replay", "queue:ocr", "ok", [m2], channel],
          [driver.actor, "dead-letters.purge", "queue:ocr", "ok", [m3], channel],
        ]);
        expect(audit[0]?.details.selector).toEqual({ kind: "cause", code: "DEPENDENCY_UNAVAILABLE" });
        expect(audit.every((a) => a.at instanceof Date)).toBe(true);
      });
    });
  }
}

describe("dlq command: usage and errors", () => {
  let db: TestDatabase;
  let platform: Platform;
  beforeEach(async () => {
    db = await createTestDatabase();
    // The SDK double keeps these consumers off the database, so dropping it races nothing.
    platform = await platformOn("service-bus", db);
  });
  afterEach(async () => {
    await platform.cleanup();
    await db.drop();
  });

  it("refuses a purge without --yes, an ambiguous selector, and unknown queues and ids", async () => {
    const cli = cliDriver(platform);
    const refused = await cli.run(["purge", "ocr", "--all"]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("--yes");
    expect((await cli.run(["replay", "ocr", "some-id", "--all"])).code).toBe(2);
    expect((await cli.run(["purge", "ocr", "--cause", "X", "--yes"])).code).toBe(2);
    const unknown = await cli.run(["list", "nope"]);
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.err).toMatch(/^QUEUE_UNKNOWN: there is no queue named nope/);
    expect((await cli.run(["show", "ocr", "missing"])).err).toMatch(/^DEAD_LETTER_NOT_FOUND/);
    const empty = await cli.run(["replay", "ocr", "--all"]);
    expect(empty).toMatchObject({ code: 0, out: expect.stringContaining("replayed 0 message(s) of ocr") as string });
    expect((await readAudit(db.pool, "dead-letters.")).map((a) => [a.actor, a.details.count])).toEqual([["alice", 0]]);
  });

  it("answers only operators over HTTP and refuses a replay naming two selectors", async () => {
    const { app, sign } = await testApp({ routes: [deadLetterRoutes({ deadLetters: createDeadLetterConsole({ bus: platform.bus, pool: db.pool }) })] });
    const as = async (role: "operator" | "super_admin") => ({
      authorization: `Bearer ${await sign({ subject: role, role })}`,
      "content-type": "application/json",
    });
    expect((await app.request("/api/v1/admin/dead-letters", { headers: await as("super_admin") })).status).toBe(403);
    const twice = await app.request("/api/v1/admin/dead-letters/ocr/replay", {
      method: "POST",
      headers: await as("operator"),
      body: JSON.stringify({ all: true, cause: "X" }),
    });
    expect(twice.status).toBe(422);
    const purgeByCause = await app.request("/api/v1/admin/dead-letters/ocr/purge", {
      method: "POST",
      headers: await as("operator"),
      body: JSON.stringify({ cause: "X" }),
    });
    expect(purgeByCause.status).toBe(422);
    expect(await readAudit(db.pool, "dead-letters.")).toEqual([]);
  });

  it("audits a replay the broker refused as failed, with the error", async () => {
    const logger = testLogger();
    const unreachable = createBus({
      transport: createAmqpTransport({ url: "amqp://guest:guest@127.0.0.1:1", logger, publishTimeoutMs: 300 }),
      validator: await testValidator(),
      logger,
    });
    try {
      const deadLetters = createDeadLetterConsole({ bus: unreachable, pool: db.pool });
      const failed = await deadLetters.replay("ocr", { kind: "all" }, { actor: "mia", channel: "test" }).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(Error);
      const [entry] = await readAudit(db.pool, "dead-letters.replay");
      expect(entry).toMatchObject({ actor: "mia", outcome: "failed", details: { selector: { kind: "all" }, channel: "test" } });
      expect(entry?.details.error).toEqual((failed as Error).message);
    } finally {
      await unreachable.close();
    }
  });

  it("prints counts per queue, then each queue's dead letters grouped by cause", async () => {
    const message = createEnvelope(TEST_MESSAGE_TYPE, { n: 7 });
    await platform.bus.publish("registration", message);
    const consumer = await platform.bus.consume(
      "registration",
      () => Promise.reject(new AppError("REGISTRATION_REFUSED", "serial already registered")),
      { maxAttempts: 1 },
    );
    await waitFor(async () => (await platform.bus.depth("registration")).deadLettered === 1, { what: "a dead letter" });
    await consumer.close();
    const { code, out } = await cliDriver(platform).run(["list"]);
    expect(code).toBe(0);
    expect(out).toMatch(/^registration +ready +0 +dead-lettered +1$/m);
    expect(out).toMatch(/^ocr +ready +0 +dead-lettered +0$/m);
    expect(out).toContain("registration: 1 dead-lettered");
    expect(out).toContain("  REGISTRATION_REFUSED (1): serial already registered");
    expect(out).toContain(`    ${message.id}  ${TEST_MESSAGE_TYPE}  attempts 1  last failed `);
  });
});
