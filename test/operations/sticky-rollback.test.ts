import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readAudit } from "../../lib/audit/index.ts";
import { DATA_TRANSFORMATION_FLAG } from "../../lib/flags/index.ts";
import { uniquePrefix } from "../support/bus.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { runCli, startService } from "./system.ts";

const FEATURE_TABLES = ["transformation_scripts", "transformation_script_versions"] as const;

/**
 * SEQ-OF-004, step 3 made to stick: after the flag is off and 0007 is rolled down with the
 * operator CLI, the API and ingest restart on the current image (which has 0007 and runs
 * `migrate up` on start-up) and the feature's tables stay gone until an operator lifts the
 * ceiling.
 */
describe("a feature rollback that survives restarts", () => {
  let db: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  /** "Fault declared": the rollback drill's clock starts when the operator begins step 1. */
  let declaredAt = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), "wh-sticky-"));
    env = {
      DATABASE_URL: db.url,
      AZURE_STORAGE_CONNECTION_STRING: inject("storageConnectionString"),
      QUEUE_PREFIX: uniquePrefix(),
      DATA_DIR: dataDir,
      JWT_SECRET: "sticky-rollback-test-secret-0123456789",
      BACKUP_INTERVAL_MS: "0",
      BUILD_VERSION: "v1.4.2",
      BUILD_COMMIT: "0a1b2c3",
      LOG_LEVEL: "info",
    };
  });
  afterAll(async () => {
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const tables = async () =>
    Promise.all(
      FEATURE_TABLES.map(async (name) => (await db.pool.query<{ t: string | null }>("select to_regclass($1)::text as t", [name])).rows[0]?.t ?? null),
    );

  it("rolls 0007 down with a ceiling, audited with who, what and outcome", async () => {
    expect(await tables()).toEqual([...FEATURE_TABLES]);
    declaredAt = Date.now();
    const off = await runCli(["flags", "set", DATA_TRANSFORMATION_FLAG, "off", "--actor", "op-olga"], env);
    expect(off.code, off.stderr).toBe(0);
    const down = await runCli(["migrate", "down", "--to", "6", "--actor", "op-olga", "--reason", "SEQ-OF-004 drill"], env);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain("rolled back: 7");
    expect(down.stdout).toMatch(/0007 data_transformation held back by the ceiling/);
    expect(down.stdout).toContain("ceiling 6 set by op-olga");
    expect(await tables()).toEqual([null, null]);
    const audit = await readAudit(db.pool, "migrate.");
    expect(audit).toMatchObject([
      { actor: "op-olga", action: "migrate.down", target: "schema", outcome: "ok", details: { to: 6, reason: "SEQ-OF-004 drill", result: [7] } },
    ]);
  });

  it("keeps the tables gone when the API and ingest restart on the current image", { timeout: 180_000 }, async () => {
    for (let restart = 0; restart < 2; restart += 1) {
      const [api, ingest] = await Promise.all([startService("api", env), startService("ingest", env)]);
      try {
        expect(await tables()).toEqual([null, null]);
        for (const service of [api, ingest]) {
          expect(await (await fetch(`${service.url}/health/ready`)).json()).toMatchObject({ status: "ready", version: "v1.4.2" });
          expect(await (await fetch(`${service.url}/metrics`)).text()).toContain('build_info{version="v1.4.2",commit="0a1b2c3"} 1');
        }
        expect(api.run.stdout()).toContain("migrations held back by the recorded ceiling");
      } finally {
        expect(await api.stop()).toBe(0);
        expect(await ingest.stop()).toBe(0);
      }
    }
    const { rows } = await db.pool.query<{ id: number }>("select id from schema_migrations order by id");
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6]);
    // Declared → flag off → schema down → services restarted and ready twice: far inside the 30 min app RTO.
    const drillMs = Date.now() - declaredAt;
    process.stdout.write(`rollback drill: ${Math.round(drillMs / 1000)} s from fault declared to services ready (RTO 30 min)\n`);
    expect(drillMs).toBeLessThan(5 * 60_000);
  });

  it("refuses to apply 0007 on request without lifting the ceiling, and re-enables it explicitly", async () => {
    const refused = await runCli(["migrate", "up", "--to", "7"], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("MIGRATION_ABOVE_CEILING");
    expect(await tables()).toEqual([null, null]);

    const lifted = await runCli(["migrate", "up", "--lift-ceiling", "--actor", "op-olga"], env);
    expect(lifted.code, lifted.stderr).toBe(0);
    expect(lifted.stdout).toMatch(/0007 data_transformation applied/);
    expect(lifted.stdout).not.toContain("ceiling");
    expect(await tables()).toEqual([...FEATURE_TABLES]);
    expect((await readAudit(db.pool, "migrate.lift-ceiling")).map((a) => [a.actor, a.outcome, a.details.ceiling])).toEqual([
      ["op-olga", "ok", 6],
    ]);
  });
});
