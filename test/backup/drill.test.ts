import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { listBackups, withDatabase } from "../../lib/backup/index.ts";
import { createPool } from "../../lib/db/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { createScript, updateScript } from "../../lib/transformations/index.ts";
import { transformationRoutes } from "../../services/api/admin/transformations.ts";
import { testApp } from "../support/api-app.ts";
import { createTestDatabase } from "../support/database.ts";
import { backupStore, cliEnv, keyTableCounts, runCli, seedCatalog } from "./support.ts";

/** Two scripts of brand 1; the first changed twice, so three versions of it are kept. */
async function seedTransformations(pool: Pool): Promise<{ names: string[]; versions: number }> {
  const rename = { columns: [{ from: "Model No", to: "model_number", trim: true }] };
  const first = await createScript(pool, { brandId: 1, name: "acme-csv", definition: rename, actor: "drill" });
  await updateScript(pool, first.id, { definition: { columns: [{ from: "Model", to: "model_number" }] }, actor: "drill" });
  await updateScript(pool, first.id, {
    definition: { columns: [{ from: "Warranty (years)", to: "warranty_months", convert: { kind: "unit", from: "years", to: "months" } }] },
    actor: "drill",
  });
  await createScript(pool, {
    brandId: 1,
    name: "acme-dates",
    definition: { columns: [{ from: "Released", to: "release_date", convert: { kind: "date", format: "DD.MM.YYYY" } }] },
    actor: "drill",
  });
  return { names: ["acme-csv", "acme-dates"], versions: 4 };
}

async function dropDatabase(name: string): Promise<void> {
  const admin = createPool(inject("adminDatabaseUrl"), { max: 1 });
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

describe("disaster recovery drill (SEQ-RF-002)", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it("backs up, loses the database, restores into a new one that validates and serves the transformation scripts", async () => {
    const source = await createTestDatabase();
    cleanup.push(() => source.drop());
    await seedCatalog(source.pool, 5, 40);
    const scripts = await seedTransformations(source.pool);
    const before = await keyTableCounts(source.pool);
    expect(before).toMatchObject({ brands: 5, product_models: 200, products: 50, transformation_scripts: 2 });
    expect(before.transformation_script_versions).toBe(scripts.versions);

    const store = backupStore();
    const created = await runCli(["backup", "create"], cliEnv(store, source.url));
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const id = /^backup (\S+) created$/m.exec(created.stdout)?.[1] ?? "";
    const [summary] = await listBackups(store);
    expect(summary?.manifest).toMatchObject({ id, database: source.name, rowCounts: before, absentTables: [], format: "custom" });
    expect(summary?.manifest.migrationVersion).toBeGreaterThanOrEqual(7);
    expect(summary?.withinRpo).toBe(true);

    const listed = await runCli(["backup", "list"], cliEnv(store));
    expect(listed.stdout).toContain(`${id}`);
    expect(listed.stdout).toContain("within the RPO of 1 h");
    const verified = await runCli(["backup", "verify", id], cliEnv(store));
    expect(verified.stdout).toMatch(new RegExp(`backup ${id} is valid: sha256 [0-9a-f]{64}`));
    expect(verified.code).toBe(0);

    // The disaster: the source database is gone.
    await source.drop();

    const targetName = `${source.name}_restored`;
    cleanup.push(() => dropDatabase(targetName));
    const targetUrl = withDatabase(inject("adminDatabaseUrl"), targetName);
    const restored = await runCli(["restore", "latest", "--target", targetUrl], cliEnv(store));
    expect(restored.stderr).toBe("");
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain(`restored ${id} into new database ${targetName}`);
    expect(restored.stdout).toMatch(/ok\s+rows in transformation_script_versions\s+expected 4, got 4/);
    expect(restored.stdout).toContain("validation passed. Cutover:");
    expect(restored.stdout).toContain("DATABASE_URL=$TARGET_URL");
    expect(restored.stdout).toContain("/api/v1/transformations");

    const pool = createPool(targetUrl, { max: 2 });
    cleanup.push(() => pool.end());
    expect(await keyTableCounts(pool)).toEqual(before);

    const { app, sign } = await testApp({ routes: [transformationRoutes({ pool })] });
    const token = await sign({ subject: "operator-1", role: "super_admin" });
    const response = await app.request("/api/v1/transformations", { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { scripts: Array<{ name: string; version: number; brand: string }> };
    expect(body.scripts.map((s) => s.name).sort()).toEqual(scripts.names);
    expect(body.scripts.find((s) => s.name === "acme-csv")?.version).toBe(3);

    // A second restore into the now populated database is refused rather than mixed in.
    const again = await runCli(["restore", id, "--target", targetUrl], cliEnv(store));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("BACKUP_TARGET_NOT_EMPTY");
  });
});
