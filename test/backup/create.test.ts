import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import {
  BACKUP_CONTAINER,
  createBackup,
  findPgTool,
  listBackups,
  parseToolMajor,
  restoreBackup,
  withDatabase,
} from "../../lib/backup/index.ts";
import { createPool } from "../../lib/db/index.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { backupStore, seedCatalog } from "./support.ts";
import { rejectionOf } from "../support/errors.ts";

describe("creating backups", () => {
  const databases: TestDatabase[] = [];
  const extra: string[] = [];
  afterAll(async () => {
    await Promise.all(databases.map((d) => d.drop()));
    const admin = createPool(inject("adminDatabaseUrl"), { max: 1 });
    for (const name of extra) await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it("finds a pg_dump at least as new as the server, and names the candidates when none is", async () => {
    expect(parseToolMajor("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)")).toBe(15);
    expect(parseToolMajor("pg_restore (PostgreSQL) 18beta1")).toBe(18);
    expect(parseToolMajor("something else")).toBeUndefined();
    const tool = await findPgTool("pg_dump", 13);
    expect(tool.major).toBeGreaterThanOrEqual(13);
    const error = await rejectionOf(findPgTool("pg_dump", 99));
    expect(error.code).toBe("BACKUP_TOOL_UNAVAILABLE");
    expect(error.message).toContain(`${tool.path} (${tool.major})`);
    expect(error.message).toContain("postgresql-client-99");
  });

  it("counts rows in the dump's own snapshot, so a restore matches the manifest while writes go on", async () => {
    const source = await createTestDatabase();
    databases.push(source);
    await seedCatalog(source.pool, 4, 50);
    const store = backupStore();
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n += 1) {
        await source.pool.query("insert into audit_log (actor, action, target, outcome) values ('w', 'write', $1, 'ok')", [`${n}`]);
      }
    })();
    const manifest = await createBackup({ ...store, pool: source.pool, databaseUrl: source.url });
    writing = false;
    await writer;
    expect(manifest.rowCounts).toMatchObject({ brands: 4, product_models: 200 });
    const { rows } = await source.pool.query<{ n: string }>("select count(*) as n from audit_log");
    // Writes went on after the snapshot: the live count has moved past the manifest's.
    expect(Number(rows[0]?.n)).toBeGreaterThan(manifest.rowCounts.audit_log ?? 0);

    const targetName = `${source.name}_copy`;
    extra.push(targetName);
    const report = await restoreBackup(store, manifest.id, withDatabase(inject("adminDatabaseUrl"), targetName));
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.find((c) => c.name === "rows in audit_log")?.actual).toBe(manifest.rowCounts.audit_log);
    expect(report).toMatchObject({ ok: true, created: true, database: targetName });
  });

  it("records key tables a database does not have as absent", async () => {
    const bare = await createTestDatabase({ migrate: false });
    databases.push(bare);
    await bare.pool.query("create table brands (id int primary key)");
    await bare.pool.query("insert into brands values (1), (2)");
    const store = backupStore();
    const manifest = await createBackup({ ...store, pool: bare.pool, databaseUrl: bare.url });
    expect(manifest.rowCounts).toEqual({ brands: 2 });
    expect(manifest.absentTables).toEqual([
      "product_models",
      "products",
      "service_requests",
      "chat_messages",
      "transformation_scripts",
      "transformation_script_versions",
      "audit_log",
    ]);
    expect(manifest.migrationVersion).toBe(0);
  });

  it("leaves nothing behind when pg_dump fails", async () => {
    const source = await createTestDatabase({ migrate: false });
    databases.push(source);
    const store = backupStore();
    const wrongUrl = withDatabase(source.url, `${source.name}_missing`);
    const error = await rejectionOf(createBackup({ ...store, pool: source.pool, databaseUrl: wrongUrl }));
    expect(error.code).toBe("BACKUP_DUMP_FAILED");
    expect(error.message).toContain("does not exist");
    expect(await listBackups(store)).toEqual([]);
    const names: string[] = [];
    for await (const entry of store.blob.list(BACKUP_CONTAINER)) names.push(entry.name);
    expect(names).toEqual([]);
  });
});
