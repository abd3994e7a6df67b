import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readAudit } from "../../lib/audit/index.ts";
import { createTokenVerifier } from "../../lib/auth/index.ts";
import { createAzureBlobStore } from "../../lib/blob/index.ts";
import { createBus, createPostgresTransport } from "../../lib/bus/index.ts";
import type { Bus } from "../../lib/bus/index.ts";
import { migrateDown, migrateUp, migrationStatus } from "../../lib/db/index.ts";
import { isAppError } from "../../lib/errors/index.ts";
import { DATA_TRANSFORMATION_FLAG, createFlagEvaluator, createFlagStore } from "../../lib/flags/index.ts";
import type { ImportJobView } from "../../lib/imports/index.ts";
import { startOutboxRelay } from "../../lib/outbox/index.ts";
import type { OutboxRelay } from "../../lib/outbox/index.ts";
import { loadValidator } from "../../lib/runtime/index.ts";
import { createRowTransformer } from "../../lib/transformations/index.ts";
import { flagRoutes } from "../../services/api/admin/flags.ts";
import { importRoutes } from "../../services/api/imports/routes.ts";
import { transformationRoutes } from "../../services/api/admin/transformations.ts";
import { startImportWorkers } from "../../services/ingest/imports/index.ts";
import type { ImportWorkers } from "../../services/ingest/imports/index.ts";
import { SECRET, testApp } from "../support/api-app.ts";
import { testLogger, uniquePrefix } from "../support/bus.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { SAMPLE_SCRIPT } from "./support.ts";

const CANONICAL = "brand,model_number,model_name,category,warranty_months,release_date";
const BRAND_FORMAT = "Marque,Model No.,Name,Type,Warranty (years),Released";

/**
 * SEQ-OF-004, played out on the real import pipeline (ingress route, chunk workers, finaliser)
 * over PostgreSQL, the PostgreSQL bus and Azurite: a brand imports its own file format through
 * its transformation script; the operator switches the flag off and rolls the schema back to
 * 0006; imports go on through the legacy path (canonical headers only).
 */
describe("feature rollback drill: DataTransformationFeature", () => {
  let db: TestDatabase;
  let bus: Bus;
  let relay: OutboxRelay;
  let workers: ImportWorkers;
  let app: Awaited<ReturnType<typeof testApp>>["app"];
  let auth: { admin: Record<string, string>; operator: Record<string, string> };
  let now = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query("insert into brands (name) values ('Acme')");
    const logger = testLogger();
    bus = createBus({
      transport: createPostgresTransport({ pool: db.pool, logger, pollIntervalMs: 100 }),
      validator: await loadValidator(),
      logger,
      queuePrefix: uniquePrefix(),
    });
    const blob = createAzureBlobStore({ connectionString: inject("storageConnectionString"), containerPrefix: `t${randomUUID().slice(0, 8)}-` });
    relay = startOutboxRelay({ pool: db.pool, bus, logger, idleMs: 100 });
    const store = createFlagStore(db.pool);
    const transformRows = createRowTransformer({ pool: db.pool, flags: createFlagEvaluator({ store, now: () => now }), logger });
    const settings = { maxBytes: 1_000_000, chunkBytes: 120 };
    const api = await testApp({
      routes: [
        flagRoutes({ store, verifyToken: createTokenVerifier(SECRET), apiKey: undefined }),
        transformationRoutes({ pool: db.pool }),
        importRoutes({ pool: db.pool, bus, blob, settings, transformRows, pollMs: 50 }),
      ],
    });
    app = api.app;
    const bearer = async (claims: Parameters<typeof api.sign>[0]) => ({ authorization: `Bearer ${await api.sign(claims)}` });
    auth = {
      admin: await bearer({ subject: "acme-admin", role: "brand_admin", brand: "Acme" }),
      operator: await bearer({ subject: "op-olga", role: "operator" }),
    };
    workers = await startImportWorkers({ pool: db.pool, bus, blob, consume: { concurrency: 2, backoff: { baseMs: 50, maxMs: 200 } } });
  });
  afterAll(async () => {
    await workers.stop();
    await relay.stop();
    await bus.close();
    await db.drop();
  });

  async function upload(header: string, rows: readonly string[]): Promise<Response> {
    return app.request("/api/v1/imports?dryRun=false", {
      method: "POST",
      headers: { ...auth.admin, "content-type": "text/csv" },
      body: `${[header, ...rows].join("\r\n")}\r\n`,
    });
  }
  async function imported(header: string, rows: readonly string[]): Promise<ImportJobView> {
    const response = await upload(header, rows);
    expect(response.status, await response.clone().text()).toBe(202);
    const { id } = (await response.json()) as { id: string };
    return waitFor(
      async () => {
        const job = (await (await app.request(`/api/v1/imports/${id}`, { headers: auth.admin })).json()) as ImportJobView;
        return job.status === "succeeded" || job.status === "failed" ? job : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 50, what: `import ${id} to end` },
    );
  }
  async function setFlag(enabled: boolean) {
    const response = await app.request(`/api/v2/flags/${DATA_TRANSFORMATION_FLAG}`, {
      method: "PATCH",
      headers: { ...auth.operator, "content-type": "application/json" },
      body: JSON.stringify({ enabled }),
    });
    expect(response.status).toBe(200);
    // Every process sees the change within 5 s: the evaluator's clock moves on by that much.
    now += 5_000;
  }
  const model = async (number: string) =>
    (
      await db.pool.query<{ model_name: string; category: string; warranty_months: number; release_date: string | null }>(
        "select model_name, category, warranty_months, to_char(release_date, 'YYYY-MM-DD') as release_date from product_models where model_number = $1",
        [number],
      )
    ).rows[0];
  const table = async (name: string) =>
    (await db.pool.query<{ t: string | null }>("select to_regclass($1)::text as t", [name])).rows[0]?.t ?? null;

  it("imports a brand's own format while the flag is on, and only then", async () => {
    const brandRows = [" Acme , ac-100 , Washer 100 ,Lave-linge,2,31/01/2024", "Acme,ac-200,Dryer 200,Lave-linge,1.5,01/02/2024"];
    expect((await upload(BRAND_FORMAT, brandRows)).status).toBe(422);

    await setFlag(true);
    const created = await app.request("/api/v1/transformations", {
      method: "POST",
      headers: { ...auth.admin, "content-type": "application/json" },
      body: JSON.stringify({ brand: "Acme", name: "erp-export", definition: SAMPLE_SCRIPT }),
    });
    expect(created.status).toBe(201);
    const job = await imported(BRAND_FORMAT, brandRows);
    expect(job).toMatchObject({ status: "succeeded", counts: { total: 2, valid: 2, invalid: 0, inserted: 2 } });
    expect(await model("AC-100")).toEqual({ model_name: "Washer 100", category: "appliances", warranty_months: 24, release_date: "2024-01-31" });
    expect(await model("AC-200")).toMatchObject({ warranty_months: 18, release_date: "2024-02-01" });
  });

  it("keeps both tables when the down migration fails part-way: it runs in one transaction", async () => {
    await db.pool.query("create view drill_blocker as select script_id from transformation_script_versions");
    const failed = await migrateDown(db.pool, { to: 6 }).catch((error: unknown) => error);
    expect(isAppError(failed, "MIGRATION_FAILED")).toBe(true);
    expect([await table("transformation_scripts"), await table("transformation_script_versions")]).toEqual([
      "transformation_scripts",
      "transformation_script_versions",
    ]);
    expect((await migrationStatus(db.pool)).find((m) => m.id === 7)?.appliedAt).toBeInstanceOf(Date);
    await db.pool.query("drop view drill_blocker");
  });

  it("after flag off and the down migration to 0006, the transformation path is gone and imports go on (legacy path)", async () => {
    await setFlag(false);
    const rolledBack = await migrateDown(db.pool, { to: 6 });
    expect(rolledBack).toContain(7);
    expect(rolledBack.every((id) => id > 6)).toBe(true);
    expect([await table("transformation_scripts"), await table("transformation_script_versions")]).toEqual([null, null]);
    expect(await table("feature_flags")).toBe("feature_flags");
    const flagAudit = (await readAudit(db.pool, "flag.set")).map((a) => [a.actor, a.details.old, a.details.new]);
    expect(flagAudit).toEqual([
      ["op-olga", false, true],
      ["op-olga", true, false],
    ]);

    const legacy = await imported(CANONICAL, ["Acme,AC-300,Oven 300,appliances,12,2024-03-01", "acme,AC-100,Washer 100 v2,appliances,36,"]);
    expect(legacy).toMatchObject({ status: "succeeded", counts: { total: 2, valid: 2, inserted: 1, updated: 1 } });
    expect(await model("AC-300")).toMatchObject({ warranty_months: 12, release_date: "2024-03-01" });
    expect(await model("AC-100")).toMatchObject({ model_name: "Washer 100 v2", warranty_months: 36 });
    const refused = await upload(BRAND_FORMAT, ["Acme,ac-400,Fridge,Lave-linge,2,31/01/2024"]);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("IMPORT_HEADER_INVALID");

    // Switched on by mistake with the tables gone, the importer still takes the legacy path.
    await setFlag(true);
    expect((await imported(CANONICAL, ["Acme,AC-500,Hob 500,appliances,24,"])).status).toBe("succeeded");
    expect((await upload(BRAND_FORMAT, ["Acme,ac-400,Fridge,Lave-linge,2,31/01/2024"])).status).toBe(422);
    await setFlag(false);

    // Rolling forward again brings the (empty) tables back; the scripts come from a backup.
    expect(await migrateUp(db.pool)).toContain(7);
    const list = await app.request("/api/v1/transformations", { headers: auth.admin });
    expect(await list.json()).toEqual({ scripts: [] });
  });
});
