import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKUP_CONTAINER, listBackups, startBackupSchedule, timeOfId } from "../../lib/backup/index.ts";
import type { BackupSchedule } from "../../lib/backup/index.ts";
import { createPool } from "../../lib/db/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { testLogger } from "../support/bus.ts";
import { waitFor } from "../support/wait.ts";
import { backupStore, seedCatalog } from "./support.ts";

const HOUR = 3_600_000;

describe("backup schedule", () => {
  let source: TestDatabase;
  let replica: Pool;
  const running: BackupSchedule[] = [];
  beforeAll(async () => {
    source = await createTestDatabase();
    // A second pool stands for a second ingest replica with its own connections.
    replica = createPool(source.url, { max: 3 });
    await seedCatalog(source.pool, 2, 5);
  });
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    await replica.end();
    await source.drop();
  });

  function schedule(pool: Pool, store: ReturnType<typeof backupStore>, options: { clock?: () => Date; intervalMs?: number; checkEveryMs?: number; retain?: number }) {
    const started = startBackupSchedule({
      ...store,
      pool,
      databaseUrl: source.url,
      logger: testLogger(),
      intervalMs: options.intervalMs ?? HOUR,
      checkEveryMs: options.checkEveryMs ?? HOUR,
      ...(options.retain === undefined ? {} : { retain: options.retain }),
      ...(options.clock === undefined ? {} : { now: options.clock }),
    });
    running.push(started);
    return started;
  }

  it("makes one backup per slot when two replicas check at the same moment", async () => {
    const store = backupStore();
    let clock = Date.UTC(2026, 0, 1, 10, 5);
    const a = schedule(source.pool, store, { clock: () => new Date(clock) });
    const b = schedule(replica, store, { clock: () => new Date(clock) });

    const first = await Promise.all([a.tick(), b.tick()]);
    expect(first.filter((t) => t === "created")).toHaveLength(1);
    expect(first.filter((t) => t !== "created")).toEqual([expect.stringMatching(/^(locked-elsewhere|up-to-date)$/)]);
    clock += 40 * 60_000; // 10:45, same hourly slot
    expect([await a.tick(), await b.tick()]).toEqual(["up-to-date", "up-to-date"]);
    clock += 21 * 60_000; // 11:06, next slot
    const next = await Promise.all([b.tick(), a.tick()]);
    expect(next.filter((t) => t === "created")).toHaveLength(1);

    const backups = await listBackups(store, { now: new Date(clock) });
    expect(backups.map((x) => x.manifest.createdAt)).toEqual(["2026-01-01T11:06:00.000Z", "2026-01-01T10:05:00.000Z"]);
    expect(backups.map((x) => x.withinRpo)).toEqual([true, false]);
  });

  it("keeps one backup per slot on its own timer across several slots", async () => {
    const store = backupStore();
    const intervalMs = 1500;
    const timed = [schedule(source.pool, store, { intervalMs, checkEveryMs: 100 }), schedule(replica, store, { intervalMs, checkEveryMs: 100 })];
    const backups = await waitFor(
      async () => {
        const found = await listBackups(store);
        return found.length >= 3 && found;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: "three scheduled backups" },
    );
    // Both share this database's advisory lock with the next test's schedule.
    await Promise.all(timed.map((s) => s.stop()));
    const slots = backups.map((x) => Math.floor((timeOfId(x.manifest.id)?.getTime() ?? 0) / intervalMs));
    expect(new Set(slots).size).toBe(slots.length);
  });

  it("keeps the newest BACKUP_RETAIN backups and removes dumps of failed runs older than them", async () => {
    const store = backupStore();
    let clock = Date.UTC(2026, 0, 1, 0, 1);
    // A dump without a manifest, as a run that died mid-upload leaves it.
    await store.blob.upload(BACKUP_CONTAINER, "20251231T230100000Z-abcdef.dump", Readable.from([Buffer.from("partial")]));
    const a = schedule(source.pool, store, { clock: () => new Date(clock), retain: 2 });
    for (let slot = 0; slot < 4; slot += 1) {
      expect(await a.tick()).toBe("created");
      clock += HOUR;
    }
    const kept = await listBackups(store, { now: new Date(clock) });
    expect(kept.map((x) => x.manifest.createdAt)).toEqual(["2026-01-01T03:01:00.000Z", "2026-01-01T02:01:00.000Z"]);
    const names: string[] = [];
    for await (const entry of store.blob.list(BACKUP_CONTAINER)) names.push(entry.name);
    expect(names).toHaveLength(4);
    expect(names).not.toContain("20251231T230100000Z-abcdef.dump");
  });
});
