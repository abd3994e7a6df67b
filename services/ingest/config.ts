import type { EnvReader } from "../../lib/config/index.ts";

/** Variables of the ingest worker. */
export interface IngestConfig {
  /** Outbox rows published per relay transaction. */
  readonly outboxBatchSize: number;
  /** Length of a backup slot (BACKUP_INTERVAL_MS, default 1 h); 0 turns the schedule off. */
  readonly backupIntervalMs: number;
  /** Complete backups kept (BACKUP_RETAIN, default 48). */
  readonly backupRetain: number;
}

/** Reads the ingest worker's variables into `env`'s problem list. */
export function readIngestConfig(env: EnvReader): IngestConfig {
  return {
    outboxBatchSize: env.integer("OUTBOX_BATCH_SIZE", 100, { min: 1, max: 10_000 }),
    backupIntervalMs: env.integer("BACKUP_INTERVAL_MS", 3_600_000, { min: 0, max: 7 * 86_400_000 }),
    backupRetain: env.integer("BACKUP_RETAIN", 48, { min: 1, max: 10_000 }),
  };
}
