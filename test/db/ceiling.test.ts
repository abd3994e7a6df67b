import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../lib/log/index.ts";
import { migrateDown, migrateUp, migrationCeiling, migrationStatus } from "../../lib/db/index.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { rejectionOf } from "../support/errors.ts";

describe("the migration ceiling", () => {
  const databases: TestDatabase[] = [];
  afterEach(async () => {
    await Promise.all(databases.splice(0).map((db) => db.drop()));
  });
  async function migrated() {
    const db = await createTestDatabase();
    databases.push(db);
    return db;
  }
  const applied = async (db: TestDatabase) => (await migrationStatus(db.pool)).filter((m) => m.appliedAt).map((m) => m.id);

  it("is not recorded by a plain down, so up re-applies as before", async () => {
    const db = await migrated();
    expect(await migrateDown(db.pool, { steps: 1 })).toEqual([7]);
    expect(await migrationCeiling(db.pool)).toBeUndefined();
    expect(await migrateUp(db.pool)).toEqual([7]);
  });

  it("holds back what a down with a ceiling rolled back, whoever migrates next, until it is lifted", async () => {
    const db = await migrated();
    expect(await migrateDown(db.pool, { steps: 2, ceiling: { setBy: "op-olga", reason: "drill" } })).toEqual([7, 6]);
    expect(await migrationCeiling(db.pool)).toMatchObject({ id: 5, setBy: "op-olga", reason: "drill" });

    const lines: string[] = [];
    const logger = createLogger({ level: "warn" }, { write: (line: string) => lines.push(line) } as unknown as NodeJS.WritableStream);
    expect(await migrateUp(db.pool, { logger })).toEqual([]);
    expect(lines.join("")).toContain('"held":["0006_feature_flags","0007_data_transformation"]');
    expect((await rejectionOf(migrateUp(db.pool, { to: 6 }))).code).toBe("MIGRATION_ABOVE_CEILING");
    expect(await applied(db)).toEqual([1, 2, 3, 4, 5]);

    // A further rollback moves the ceiling down; the lower one wins.
    await migrateDown(db.pool, { to: 4, ceiling: { setBy: "op-piet", reason: "second" } });
    expect(await migrationCeiling(db.pool)).toMatchObject({ id: 4, setBy: "op-piet" });
    expect(await migrateUp(db.pool, { to: 4 })).toEqual([]);

    expect(await migrateUp(db.pool, { liftCeiling: true })).toEqual([5, 6, 7]);
    expect(await migrationCeiling(db.pool)).toBeUndefined();
  });

  it("keeps the ceiling unchanged when the rollback fails", async () => {
    const db = await migrated();
    await db.pool.query("create view blocker as select script_id from transformation_script_versions");
    expect((await rejectionOf(migrateDown(db.pool, { to: 6, ceiling: { setBy: "op", reason: "x" } }))).code).toBe("MIGRATION_FAILED");
    expect(await migrationCeiling(db.pool)).toBeUndefined();
    expect(await applied(db)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
