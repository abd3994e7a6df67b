import { createServer } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAudit } from "../../lib/audit/index.ts";
import { createPool } from "../../lib/db/index.ts";
import { isAppError } from "../../lib/errors/index.ts";
import { DATA_TRANSFORMATION_FLAG, createFlagEvaluator, createFlagStore } from "../../lib/flags/index.ts";
import { createTokenVerifier } from "../../lib/auth/index.ts";
import { createFlagsCommand } from "../../bin/commands/flags.ts";
import { flagRoutes } from "../../services/api/admin/flags.ts";
import { SECRET, testApp } from "../support/api-app.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { captureIo } from "./support.ts";

const API_KEY = "flag-key-0123456789abcdefghijkl";

describe("feature flags", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });
  const reset = () => db.pool.query("update feature_flags set enabled = false");

  it("is seeded off, and audits each change with who, when, the old and the new value", async () => {
    await reset();
    const store = createFlagStore(db.pool);
    expect(await store.get(DATA_TRANSFORMATION_FLAG)).toMatchObject({ enabled: false, updatedBy: "migration 0006" });
    const before = Date.now();
    expect(await store.set(DATA_TRANSFORMATION_FLAG, true, "dana", { channel: "test" })).toMatchObject({
      previous: false,
      flag: { name: DATA_TRANSFORMATION_FLAG, enabled: true, updatedBy: "dana" },
    });
    const audit = (await readAudit(db.pool, "flag.set")).filter((a) => a.actor === "dana");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ target: `flag:${DATA_TRANSFORMATION_FLAG}`, outcome: "ok", details: { old: false, new: true, channel: "test" } });
    expect(audit[0]?.at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const missing = await store.set("NoSuchFlag", true, "dana").catch((error: unknown) => error);
    expect(isAppError(missing, "FLAG_NOT_FOUND")).toBe(true);
  });

  it("caches a value for at most 5 s per process (clock injected)", async () => {
    await reset();
    const store = createFlagStore(db.pool);
    let now = 1_000;
    const flags = createFlagEvaluator({ store, ttlMs: 60_000, now: () => now });
    expect(await flags.isEnabled(DATA_TRANSFORMATION_FLAG)).toBe(false);
    await store.set(DATA_TRANSFORMATION_FLAG, true, "erin");
    now += 4_999;
    expect(await flags.isEnabled(DATA_TRANSFORMATION_FLAG)).toBe(false);
    now += 1;
    expect(await flags.isEnabled(DATA_TRANSFORMATION_FLAG)).toBe(true);
    expect(await flags.isEnabled("NoSuchFlag")).toBe(false);
  });

  it("falls back to the safe default (off) when the store cannot be read, even after having read on", async () => {
    await reset();
    await createFlagStore(db.pool).set(DATA_TRANSFORMATION_FLAG, true, "frank");
    const pool = createPool(db.url, { max: 1 });
    let now = 0;
    const flags = createFlagEvaluator({ store: createFlagStore(pool), now: () => now });
    expect(await flags.isEnabled(DATA_TRANSFORMATION_FLAG)).toBe(true);
    await pool.end();
    now += 5_000;
    expect(await flags.isEnabled(DATA_TRANSFORMATION_FLAG)).toBe(false);

    const refused = createPool("postgres://postgres@127.0.0.1:1/none", { max: 1 });
    expect(await createFlagEvaluator({ store: createFlagStore(refused) }).isEnabled(DATA_TRANSFORMATION_FLAG)).toBe(false);
    await refused.end();
  });

  it("gives up on a store that accepts connections but never answers", async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const pool = createPool(`postgres://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/none`, { max: 1 });
    try {
      const flags = createFlagEvaluator({ store: createFlagStore(pool), timeoutMs: 200 });
      expect(await flags.isEnabled(DATA_TRANSFORMATION_FLAG)).toBe(false);
    } finally {
      for (const socket of sockets) socket.destroy();
      await pool.end().catch(() => undefined);
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  describe("GET/PATCH /api/v2/flags/{name}", () => {
    async function api() {
      const { app, sign } = await testApp({
        routes: [flagRoutes({ store: createFlagStore(db.pool), verifyToken: createTokenVerifier(SECRET), apiKey: API_KEY })],
      });
      const call = (method: string, headers: Record<string, string>, body?: unknown) =>
        app.request(`/api/v2/flags/${DATA_TRANSFORMATION_FLAG}`, {
          method,
          headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      return { app, sign, call };
    }

    it("lets an operator token or the flag API key switch the flag, auditing each change", async () => {
      await reset();
      const { sign, call } = await api();
      const operator = { authorization: `Bearer ${await sign({ subject: "op-grace", role: "operator" })}` };
      const on = await call("PATCH", operator, { enabled: true });
      expect(on.status).toBe(200);
      expect(await on.json()).toMatchObject({ previous: false, flag: { enabled: true, updatedBy: "op-grace" } });
      const off = await call("PATCH", { "x-flag-api-key": API_KEY }, { enabled: false });
      expect(await off.json()).toMatchObject({ previous: true, flag: { enabled: false, updatedBy: "api-key:flags" } });
      const read = await call("GET", { authorization: `api-key ${API_KEY}` });
      expect(read.status).toBe(200);
      expect(await read.json()).toMatchObject({ name: DATA_TRANSFORMATION_FLAG, enabled: false });

      const audit = (await readAudit(db.pool, "flag.set")).slice(-2);
      expect(audit.map((a) => [a.actor, a.details.old, a.details.new, a.details.via, a.details.channel])).toEqual([
        ["op-grace", false, true, "token", "api"],
        ["api-key:flags", true, false, "api-key", "api"],
      ]);
    });

    it("refuses other callers and bad input", async () => {
      const { app, sign, call } = await api();
      const consumer = { authorization: `Bearer ${await sign({ subject: "c1", role: "consumer" })}` };
      const operator = { authorization: `Bearer ${await sign({ subject: "op", role: "operator" })}` };
      const codes = async (response: Response) => [response.status, ((await response.json()) as { error: { code: string } }).error.code];
      expect(await codes(await call("PATCH", {}, { enabled: true }))).toEqual([401, "AUTH_REQUIRED"]);
      expect(await codes(await call("PATCH", { "x-flag-api-key": "wrong" }, { enabled: true }))).toEqual([401, "AUTH_INVALID"]);
      expect(await codes(await call("PATCH", consumer, { enabled: true }))).toEqual([403, "FORBIDDEN"]);
      expect(await codes(await call("PATCH", operator, { enabled: "yes" }))).toEqual([422, "VALIDATION_FAILED"]);
      expect(await codes(await app.request("/api/v2/flags/NoSuchFlag", { headers: operator }))).toEqual([404, "FLAG_NOT_FOUND"]);
      expect((await readAudit(db.pool, "flag.set")).some((a) => a.actor === "c1")).toBe(false);
    });
  });

  it("flags get/set from the CLI against DATABASE_URL, audited with --actor or $USER", async () => {
    await reset();
    const io = captureIo();
    const flags = createFlagsCommand({ io });
    const env = { DATABASE_URL: db.url, USER: "henry", LOG_LEVEL: "silent" };
    expect(await flags(["set", DATA_TRANSFORMATION_FLAG, "on"], env)).toBe(0);
    expect(io.stdout()).toBe(`${DATA_TRANSFORMATION_FLAG}: off -> on (every process sees it within 5 s)\n`);
    expect(await flags(["set", DATA_TRANSFORMATION_FLAG, "off", "--actor", "ivy"], env)).toBe(0);
    io.reset();
    expect(await flags(["get", DATA_TRANSFORMATION_FLAG], env)).toBe(0);
    expect(io.stdout()).toMatch(new RegExp(`^${DATA_TRANSFORMATION_FLAG} off \\(set by ivy at `));
    expect(await flags(["set", DATA_TRANSFORMATION_FLAG, "maybe"], env)).toBe(2);
    expect(await flags(["get", "NoSuchFlag"], env)).toBe(1);
    const audit = (await readAudit(db.pool, "flag.set")).slice(-2);
    expect(audit.map((a) => [a.actor, a.details.old, a.details.new, a.details.channel])).toEqual([
      ["henry", false, true, "cli"],
      ["ivy", true, false, "cli"],
    ]);
  });
});
