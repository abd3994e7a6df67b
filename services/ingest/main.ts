import { startBackupSchedule } from "../../lib/backup/index.ts";
import { backupFailureNotices } from "../../lib/notify/index.ts";
import { startOutboxRelay } from "../../lib/outbox/index.ts";
import { runProcess } from "../../lib/runtime/index.ts";
import type { ServiceDefinition } from "../../lib/runtime/index.ts";
import { readIngestConfig } from "./config.ts";
import type { IngestConfig } from "./config.ts";
import { IMPORT_CHUNK_QUEUE, IMPORT_FINALISE_QUEUE } from "../../lib/imports/index.ts";
import { startImportWorkers } from "./imports/index.ts";
import { REGISTRATION_QUEUE, createRegistrationHandler } from "./registration/index.ts";

/** The ingest worker: relays the outbox and consumes registration and import queues. */
export const ingestService: ServiceDefinition<IngestConfig> = {
  name: "ingest",
  readConfig: readIngestConfig,
  queues: [REGISTRATION_QUEUE, IMPORT_CHUNK_QUEUE, IMPORT_FINALISE_QUEUE],
  async start(platform, config) {
    const relay = startOutboxRelay({
      pool: platform.pool,
      bus: platform.bus,
      logger: platform.logger.child({ component: "outbox" }),
      batchSize: config.outboxBatchSize,
    });
    const { worker } = platform.config;
    const registrations = await platform.bus.consume(
      REGISTRATION_QUEUE,
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
    const backups =
      config.backupIntervalMs > 0 && databaseUrl !== undefined
        ? startBackupSchedule({
            pool: platform.pool,
            databaseUrl,
            blob: platform.blob,
            logger: platform.logger.child({ component: "backup" }),
            intervalMs: config.backupIntervalMs,
            retain: config.backupRetain,
            observers: [platform.metrics.watchBackups(), backupFailureNotices(platform.notifier)],
          })
        : undefined;
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
