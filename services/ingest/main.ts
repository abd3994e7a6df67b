import { backupToolsCheck, startBackupSchedule } from "../../lib/backup/index.ts";
import type { BackupSchedule } from "../../lib/backup/index.ts";
import { backupFailureNotices } from "../../lib/notify/index.ts";
import { startOutboxRelay } from "../../lib/outbox/index.ts";
import { runProcess } from "../../lib/runtime/index.ts";
import type { ServiceDefinition } from "../../lib/runtime/index.ts";
import { readIngestConfig } from "./config.ts";
import type { IngestConfig } from "./config.ts";
import { QUEUES } from "../../lib/messages/index.ts";
import { startImportWorkers } from "./imports/index.ts";
import { createRegistrationHandler } from "./registration/index.ts";

/** The ingest worker: relays the outbox and consumes registration and import queues. */
export const ingestService: ServiceDefinition<IngestConfig> = {
  name: "ingest",
  readConfig: readIngestConfig,
  queues: [QUEUES.registration, QUEUES.importChunk, QUEUES.importFinalise],
  async start(platform, config) {
    const relay = startOutboxRelay({
      pool: platform.pool,
      bus: platform.bus,
      logger: platform.logger.child({ component: "outbox" }),
      batchSize: config.outboxBatchSize,
    });
    const { worker } = platform.config;
    const registrations = await platform.bus.consume(
      QUEUES.registration,
      createRegistrationHandler({ pool: platform.pool, blob: platform.blob }),
      { concurrency: worker.concurrency, maxAttempts: worker.maxAttempts, backoff: { baseMs: worker.retryBaseMs, maxMs: worker.retryMaxMs } },
    );
    const imports = await startImportWorkers({
      pool: platform.pool,
      bus: platform.bus,
      blob: platform.blob,
      consume: { concurrency: worker.concurrency, maxAttempts: worker.maxAttempts, backoff: { baseMs: worker.retryBaseMs, maxMs: worker.retryMaxMs } },
    });
    // Every replica runs the schedule; an advisory lock and the slot check keep it to one backup per slot.
    // Started last, so a failed start above leaves no timer running.
    const databaseUrl = platform.config.databaseUrl ?? platform.embedded.databaseUrl;
    let backups: BackupSchedule | undefined;
    if (config.backupIntervalMs > 0 && databaseUrl !== undefined) {
      const logger = platform.logger.child({ component: "backup" });
      // A worker that is to take backups but has no pg_dump/pg_restore as new as the server is not ready.
      platform.health.addCheck("backupTools", await backupToolsCheck(platform.pool, logger));
      backups = startBackupSchedule({
        pool: platform.pool,
        databaseUrl,
        blob: platform.blob,
        logger,
        intervalMs: config.backupIntervalMs,
        retain: config.backupRetain,
        observers: [platform.metrics.watchBackups(), backupFailureNotices(platform.notifier)],
      });
    }
    return {
      name: "ingest",
      stop: async () => {
        await imports.stop();
        await registrations.close();
        await relay.stop();
        await backups?.stop();
      },
    };
  },
};

if (import.meta.main) {
  process.exitCode = await runProcess([ingestService], process.env);
}
