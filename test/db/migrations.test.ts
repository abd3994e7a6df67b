import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { createPool, loadMigrations, migrateDown, migrateUp, migrationStatus } from "../../lib/db/index.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { rejectionOf } from "../support/errors.ts";

const run = promisify(execFile);

/** The schema as pg_dump prints it, without comments, blank lines and per-dump restrict keys. */
async function schemaDump(url: string): Promise<string> {
  const { stdout } = await run("pg_dump", ["--schema-only", "--no-owner", "--no-privileges", url], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("--") && !/^\\(un)?restrict /.test(line))
    .join("\n");
}

describe("migrations", () => {
  const databases: TestDatabase[] = [];
  afterEach(async () => {
    await Promise.all(databases.splice(0).map((db) => db.drop()));
  });
  async function fresh() {
    const db = await createTestDatabase({ migrate: false });
    databases.push(db);
    return db;
  }

  it("has at least the platform migration, each with an up and a down", async () => {
    const migrations = await loadMigrations();
    expect(migrations[0]).toMatchObject({ id: 1, name: "platform" });
    expect(migrations.map((m) => m.id)).toEqual(migrations.map((_, i) => i + 1));
  });

  it("reports pending migrations, does nothing to roll back on an empty database, and checks its options", async () => {
    const db = await fresh();
    const migrations = await loadMigrations();
    expect(await migrationStatus(db.pool)).toEqual(
      migrations.map((m) => ({ id: m.id, name: m.name, appliedAt: undefined, drifted: false })),
    );
    expect(await migrateDown(db.pool, { steps: 1 })).toEqual([]);
    expect((await rejectionOf(migrateDown(db.pool, { steps: -1 }))).code).toBe("MIGRATION_OPTIONS_INVALID");
    expect((await rejectionOf(migrateUp(db.pool, { to: Number.NaN }))).code).toBe("MIGRATION_OPTIONS_INVALID");
  });

  it("applies every migration and rolls each back one at a time to the original schema", async () => {
    const db = await fresh();
    const migrations = await loadMigrations();
    const original = await schemaDump(db.url);

    expect(await migrateUp(db.pool)).toEqual(migrations.map((m) => m.id));
    const migrated = await schemaDump(db.url);
    expect(migrated).not.toEqual(original);
    for (const table of ["bus_messages", "bus_dead_letters", "inbox", "outbox", "audit_log", "schema_migrations"]) {
      expect(migrated).toContain(`CREATE TABLE public.${table} `);
    }
    expect((await migrationStatus(db.pool)).every((m) => m.appliedAt instanceof Date && !m.drifted)).toBe(true);

    for (const migration of [...migrations].reverse()) {
      expect(await migrateDown(db.pool, { steps: 1 })).toEqual([migration.id]);
    }
    expect(await schemaDump(db.url)).toEqual(original);
    expect((await migrationStatus(db.pool)).every((m) => m.appliedAt === undefined)).toBe(true);
  });

  it("returns to the same schema after each migration's up and down", async () => {
    const db = await fresh();
    const migrations = await loadMigrations();
    for (const [index, migration] of migrations.entries()) {
      const before = await schemaDump(db.url);
      expect(await migrateUp(db.pool, { to: migration.id })).toEqual([migration.id]);
      expect(await schemaDump(db.url)).not.toEqual(before);
      expect(await migrateDown(db.pool, { steps: 1 })).toEqual([migration.id]);
      expect(await schemaDump(db.url), `after down of migration ${migration.id}`).toEqual(before);
      expect(await migrateUp(db.pool, { to: migration.id })).toEqual([migration.id]);
      expect((await migrationStatus(db.pool)).filter((m) => m.appliedAt).map((m) => m.id)).toEqual(
        migrations.slice(0, index + 1).map((m) => m.id),
      );
    }
    expect(await migrateUp(db.pool)).toEqual([]);
    expect(await migrateDown(db.pool, { to: 0 })).toEqual(migrations.map((m) => m.id).reverse());
  });

  it("applies each migration once when several processes migrate at the same time", async () => {
    const db = await fresh();
    const migrations = await loadMigrations();
    const pools = [createPool(db.url, { max: 2 }), createPool(db.url, { max: 2 }), createPool(db.url, { max: 2 })];
    try {
      const results = await Promise.all(pools.map((pool) => migrateUp(pool)));
      expect(results.flat().sort((a, b) => a - b)).toEqual(migrations.map((m) => m.id));
      const { rows } = await db.pool.query<{ id: number; n: string }>(
        "select id, count(*) as n from schema_migrations group by id order by id",
      );
      expect(rows).toEqual(migrations.map((m) => ({ id: m.id, n: "1" })));
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it("refuses to run when an applied migration's checksum no longer matches its file", async () => {
    const db = await fresh();
    await migrateUp(db.pool);
    await db.pool.query("update schema_migrations set checksum = 'edited-after-apply' where id = 1");
    // One at a time: a second call started early would reject before anything awaits it.
    for (const attempt of [() => migrateUp(db.pool), () => migrateDown(db.pool, { steps: 1 })]) {
      const error = await rejectionOf(attempt());
      expect(error.code).toBe("MIGRATION_CHECKSUM_MISMATCH");
      expect(error.message).toMatch(/^migration 0001_platform was changed after it was applied/);
    }
    expect((await migrationStatus(db.pool)).find((m) => m.id === 1)).toMatchObject({ drifted: true });
    const { rows } = await db.pool.query("select to_regclass('bus_messages')::text as t");
    expect(rows).toEqual([{ t: "bus_messages" }]);
  });

  it("rolls a failed migration back entirely and leaves the lock free", async () => {
    const db = await fresh();
    await db.pool.query("create table outbox (id integer)");
    const error = await rejectionOf(migrateUp(db.pool));
    expect(error.code).toBe("MIGRATION_FAILED");
    expect(error.message).toContain("0001_platform up failed");
    const { rows } = await db.pool.query("select to_regclass('bus_messages')::text as t, to_regclass('schema_migrations')::text as m");
    expect(rows).toEqual([{ t: null, m: null }]);
    await db.pool.query("drop table outbox");
    expect(await migrateUp(db.pool)).toEqual((await loadMigrations()).map((m) => m.id));
  });
});
