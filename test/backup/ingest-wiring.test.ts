import { afterAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { listBackups } from "../../lib/backup/index.ts";
import { ConfigError, envReader, readPlatformConfig } from "../../lib/config/index.ts";
import { startPlatform } from "../../lib/runtime/index.ts";
import { ingestService } from "../../services/ingest/main.ts";
import { testLogger } from "../support/bus.ts";
import { createTestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { backupStore } from "./support.ts";

describe("the ingest worker's backup schedule", () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it("reads BACKUP_INTERVAL_MS (default 1 h, 0 = off) and BACKUP_RETAIN (default 48)", () => {
    expect(ingestService.readConfig(envReader({}))).toMatchObject({ backupIntervalMs: 3_600_000, backupRetain: 48 });
    expect(ingestService.readConfig(envReader({ BACKUP_INTERVAL_MS: "0", BACKUP_RETAIN: "5" }))).toMatchObject({
      backupIntervalMs: 0,
      backupRetain: 5,
    });
    const reader = envReader({ BACKUP_RETAIN: "0" });
    ingestService.readConfig(reader);
    expect(() => reader.done()).toThrow(ConfigError);
  });

  it("backs the worker's database up on its own once started", async () => {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const store = backupStore();
    const reader = envReader({
      DATABASE_URL: db.url,
      AZURE_STORAGE_CONNECTION_STRING: inject("storageConnectionString"),
      BLOB_CONTAINER_PREFIX: store.prefix,
      JWT_SECRET: "ingest-backup-wiring-test-secret-0123456789",
      BACKUP_INTERVAL_MS: "2000",
    });
    const platformConfig = readPlatformConfig(reader);
    const config = ingestService.readConfig(reader);
    reader.done();
    const platform = await startPlatform(platformConfig, testLogger());
    cleanup.push(() => platform.stop());
    const service = await ingestService.start(platform, config);
    cleanup.push(() => service.stop());
    // It checked pg_dump and pg_restore against the server at start-up, as part of readiness.
    expect(await platform.health.ready()).toMatchObject({ status: "ready", checks: { backupTools: { ok: true } } });
    const [backup] = await waitFor(async () => {
      const found = await listBackups(store);
      return found.length > 0 && found;
    }, { timeoutMs: 30_000, intervalMs: 200, what: "a scheduled backup" });
    expect(backup?.manifest).toMatchObject({ database: db.name, absentTables: [] });
  });
});
