import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBackupSchedule } from "../../lib/backup/index.ts";
import type { BackupSchedule } from "../../lib/backup/index.ts";
import { createMetrics } from "../../lib/metrics/index.ts";
import { testLogger } from "../support/bus.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { backupStore } from "../backup/support.ts";

const HOUR = 3_600_000;

/** One sample of an unlabelled metric in a Prometheus exposition, or undefined when it is not there. */
function sample(exposition: string, name: string): number | undefined {
  const line = exposition.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/**
 * SEQ-RF-002's RPO made visible: the schedule feeds `backup_last_success_timestamp_seconds`
 * and `backup_failures_total`, which BackupRpoMissed and BackupFailing read (their thresholds
 * are unit-tested in infra/monitoring/rules.test.yml).
 */
describe("backup freshness metrics", () => {
  let db: TestDatabase;
  const schedules: BackupSchedule[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(schedules.map((s) => s.stop()));
    await db.drop();
  });

  it("exports nothing about backups from a process that does not run the schedule", async () => {
    const { body } = await createMetrics().render();
    expect(body).not.toContain("backup_");
  });

  it("reports 0 before the first backup, then the newest backup's time, and counts failures", async () => {
    const metrics = createMetrics();
    const observer = metrics.watchBackups();
    const store = backupStore();
    let clock = Date.UTC(2026, 2, 1, 9, 30);
    const seen: Array<Date | undefined> = [];
    const schedule = startBackupSchedule({
      ...store,
      pool: db.pool,
      databaseUrl: db.url,
      logger: testLogger(),
      intervalMs: HOUR,
      checkEveryMs: HOUR,
      now: () => new Date(clock),
      observers: [observer, { latest: (at) => void seen.push(at), failed: () => undefined }],
    });
    schedules.push(schedule);
    expect(sample((await metrics.render()).body, "backup_last_success_timestamp_seconds")).toBe(0);

    expect(await schedule.tick()).toBe("created");
    expect(seen).toEqual([undefined, new Date(clock)]);
    const afterFirst = (await metrics.render()).body;
    expect(sample(afterFirst, "backup_last_success_timestamp_seconds")).toBe(clock / 1000);
    expect(sample(afterFirst, "backup_failures_total")).toBe(0);

    clock += 20 * 60_000;
    expect(await schedule.tick()).toBe("up-to-date");
    expect(sample((await metrics.render()).body, "backup_last_success_timestamp_seconds")).toBe(Date.UTC(2026, 2, 1, 9, 30) / 1000);

    // The next slot's backup fails (the database is gone): the counter moves, the timestamp stays.
    clock += 60 * 60_000;
    const failing = startBackupSchedule({
      ...store,
      pool: db.pool,
      databaseUrl: db.url.replace(/\/[^/]+$/, "/wh_no_such_database"),
      logger: testLogger(),
      intervalMs: HOUR,
      checkEveryMs: HOUR,
      now: () => new Date(clock),
      observers: [observer],
    });
    schedules.push(failing);
    expect(await failing.tick()).toBe("failed");
    const afterFailure = (await metrics.render()).body;
    expect(sample(afterFailure, "backup_failures_total")).toBe(1);
    expect(sample(afterFailure, "backup_last_success_timestamp_seconds")).toBe(Date.UTC(2026, 2, 1, 9, 30) / 1000);
  });

  it("exports build_info with the version and commit", async () => {
    const { body } = await createMetrics({ build: { version: "1.4.2", commit: "0a1b2c3" } }).render();
    expect(body).toContain('build_info{version="1.4.2",commit="0a1b2c3"} 1');
  });
});
