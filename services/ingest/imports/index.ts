import type { BlobStore } from "../../../lib/blob/index.ts";
import type { Bus, ConsumeOptions } from "../../../lib/bus/index.ts";
import type { Pool } from "../../../lib/db/index.ts";
import { IMPORT_CONTAINER, createRowValidator, loadRowSchema } from "../../../lib/imports/index.ts";
import { QUEUES } from "../../../lib/messages/index.ts";
import type { ImportChunk } from "../../../lib/messages/index.ts";
import { createChunkHandler } from "./chunk-handler.ts";
import { createFinaliser } from "./finaliser.ts";

/** What the import consumers need. */
export interface ImportWorkerDeps {
  readonly pool: Pool;
  readonly bus: Bus;
  readonly blob: BlobStore;
  /** Options of the chunk consumer (concurrency = chunks checked at once by this process). */
  readonly consume?: ConsumeOptions;
  /** Test hooks around the chunk transaction's commit (see {@link ChunkHandlerDeps}). */
  readonly beforeCommit?: (payload: ImportChunk) => Promise<void>;
  readonly afterCommit?: (payload: ImportChunk) => Promise<void>;
}

/** The running import consumers. */
export interface ImportWorkers {
  /** Stops taking chunks and finishes the ones in flight. */
  stop(): Promise<void>;
}

/** Consumes `import-chunk` and `import-finalise`; any number of processes may do so at once. */
export async function startImportWorkers(deps: ImportWorkerDeps): Promise<ImportWorkers> {
  const validateRow = createRowValidator(await loadRowSchema());
  const chunks = await deps.bus.consume(
    QUEUES.importChunk,
    createChunkHandler({
      pool: deps.pool,
      blob: deps.blob,
      validateRow,
      ...(deps.beforeCommit ? { beforeCommit: deps.beforeCommit } : {}),
      ...(deps.afterCommit ? { afterCommit: deps.afterCommit } : {}),
    }),
    deps.consume ?? {},
  );
  const finaliser = await deps.bus.consume(
    QUEUES.importFinalise,
    createFinaliser({ pool: deps.pool, blob: deps.blob, container: IMPORT_CONTAINER }),
    { ...deps.consume, concurrency: 1 },
  );
  return {
    async stop() {
      await Promise.all([chunks.close(), finaliser.close()]);
    },
  };
}
