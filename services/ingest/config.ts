import type { EnvReader } from "../../lib/config/index.ts";

/** Variables of the ingest worker. */
export interface IngestConfig {
  /** Outbox rows published per relay transaction. */
  readonly outboxBatchSize: number;
}

/** Reads the ingest worker's variables into `env`'s problem list. */
export function readIngestConfig(env: EnvReader): IngestConfig {
  return {
    outboxBatchSize: env.integer("OUTBOX_BATCH_SIZE", 100, { min: 1, max: 10_000 }),
  };
}
