import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { chooseBackup, createBackup, listBackups, verifyBackup, withDatabase } from "../../lib/backup/index.ts";
import type { BackupManifest } from "../../lib/backup/index.ts";
import { createPool } from "../../lib/db/index.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { backupStore, cliEnv, flipByte, keyTableCounts, runCli, seedCatalog } from "./support.ts";

const MINUTE = 60_000;

async function admin<T>(fn: (pool: ReturnType<typeof createPool>) => Promise<T>): Promise<T> {
  const pool = createPool(inject("adminDatabaseUrl"), { max: 1 });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

describe("corrupt backups", () => {
  const store = backupStore();
  const now = Date.now();
  let source: TestDatabase;
  let older: BackupManifest;
  let newest: BackupManifest;
  const targets: string[] = [];

  beforeAll(async () => {
    source = await createTestDatabase();
    await seedCatalog(source.pool, 3, 20);
    // Taken 2.5 h ago; the data changed afterwards, so the two backups differ.
    older = await createBackup({ ...store, pool: source.pool, databaseUrl: source.url, now: () => new Date(now - 150 * MINUTE) });
    await source.pool.query("insert into brands (name) values ('Late Brand')");
    newest = await createBackup({ ...store, pool: source.pool, databaseUrl: source.url, now: () => new Date(now) });
  });
  afterAll(async () => {
    await source.drop();
    await admin(async (pool) => {
      for (const name of targets) await pool.query(`drop database if exists ${name} with (force)`);
    });
  });

  it("records each backup's own snapshot in its manifest", () => {
    expect(older.rowCounts.brands).toBe(3);
    expect(newest.rowCounts.brands).toBe(4);
    expect(newest.id > older.id).toBe(true);
  });

  it("verify catches a flipped byte in the data that pg_restore --list alone would not notice", async () => {
    const clean = await verifyBackup(store, newest.id);
    expect(clean).toMatchObject({ ok: true, checksum: { ok: true, actual: newest.sha256, size: newest.size }, archive: { ok: true } });
    expect(clean.archive.entries).toBeGreaterThan(10);

    // The last byte belongs to the last table's data; the table of contents, all that
    // `pg_restore --list` reads, sits at the start of a custom-format archive.
    await flipByte(store, `${newest.id}.dump`, newest.size - 1);
    const result = await verifyBackup(store, newest.id);
    expect(result.ok).toBe(false);
    expect(result.checksum.ok).toBe(false);
    expect(result.archive.ok).toBe(true);
    expect(result.checksum.actual).not.toBe(newest.sha256);
    expect(result.problem).toContain("checksum mismatch");

    const cli = await runCli(["backup", "verify", newest.id], cliEnv(store));
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`backup ${newest.id} is CORRUPT: checksum mismatch`);
    expect(cli.stdout).toContain(`the newest valid backup before it is ${older.id}`);
  });

  it("offers the previous valid backup with the RPO miss, and restores it only when accepted", async () => {
    const choice = await chooseBackup(store, "latest", { now: new Date(now) });
    expect(choice.requested).toBe(newest.id);
    expect(choice.rejected.map((r) => r.id)).toEqual([newest.id]);
    expect(choice.chosen?.id).toBe(older.id);
    expect(choice).toMatchObject({ fallback: true, ageMs: 150 * MINUTE, rpoMissMs: 90 * MINUTE, behindRequestedMs: 150 * MINUTE });

    const targetName = `${source.name}_fallback`;
    targets.push(targetName);
    const targetUrl = withDatabase(inject("adminDatabaseUrl"), targetName);
    const offered = await runCli(["restore", "latest", "--target", targetUrl], cliEnv(store));
    expect(offered.code).toBe(3);
    expect(offered.stdout).toContain(`the newest valid backup before it is ${older.id}`);
    expect(offered.stdout).toMatch(/2 h 30 min behind/);
    expect(offered.stdout).toMatch(/RPO of 1 h MISSED by 1 h 3\d min/);
    expect(offered.stdout).toContain("not restoring");
    const exists = await admin((pool) => pool.query("select 1 from pg_database where datname = $1", [targetName]));
    expect(exists.rowCount).toBe(0);

    // An operator-made empty database is an acceptable target too.
    await admin((pool) => pool.query(`create database ${targetName}`));
    const accepted = await runCli(["restore", "latest", "--target", targetUrl, "--yes"], cliEnv(store));
    expect(accepted.stderr).toBe("");
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain(`restored ${older.id} into empty database ${targetName}`);
    const pool = createPool(targetUrl, { max: 1 });
    try {
      expect(await keyTableCounts(pool)).toMatchObject(older.rowCounts);
    } finally {
      await pool.end();
    }
  });

  it("detects an archive pg_restore cannot read, and says so when no older backup is left", async () => {
    await flipByte(store, `${older.id}.dump`, 0);
    const result = await verifyBackup(store, older.id);
    expect(result.archive.ok).toBe(false);
    expect(result.problem).toContain("pg_restore --list failed");
    const choice = await chooseBackup(store, "latest");
    expect(choice.chosen).toBeUndefined();
    expect(choice.rejected.map((r) => r.id)).toEqual([newest.id, older.id]);
    expect((await listBackups(store)).map((b) => b.manifest.id)).toEqual([newest.id, older.id]);
  });
});
