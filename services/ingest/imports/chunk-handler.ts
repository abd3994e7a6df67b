import type { Readable } from "node:stream";
import type { BlobStore } from "../../../lib/blob/index.ts";
import type { MessageHandler } from "../../../lib/bus/index.ts";
import { withTransaction } from "../../../lib/db/index.ts";
import type { Pool } from "../../../lib/db/index.ts";
import { AppError, isAppError } from "../../../lib/errors/index.ts";
import { QUEUES, handleQueue } from "../../../lib/messages/index.ts";
import type { ImportChunk } from "../../../lib/messages/index.ts";
import {
  acceptsChunks,
  checkChunk,
  claimFinalisation,
  failJob,
  IMPORT_COLUMNS,
  lockChunk,
  readJob,
  recordChunk,
} from "../../../lib/imports/index.ts";
import type { ImportColumn, RowValidator } from "../../../lib/imports/index.ts";
import { copyErrors, copyStaging, loadBrands } from "./staging.ts";
export interface ChunkHandlerDeps {
  readonly pool: Pool;
  readonly blob: BlobStore;
  readonly validateRow: RowValidator;
  /** Called between the effect and the commit; tests use it to SIGKILL a worker mid-chunk. */
  readonly beforeCommit?: (payload: ImportChunk) => Promise<void>;
  /** Called after the commit, before the message is acknowledged; tests SIGKILL a worker there too. */
  readonly afterCommit?: (payload: ImportChunk) => Promise<void>;
}

/** Marks a chunk that must not count because its job ended meanwhile. */
const JOB_ENDED = "IMPORT_JOB_ENDED";

/**
 * Handles one `import.chunk`: parses and checks its rows, then in ONE transaction COPYs the
 * valid rows into staging, stores the errors, marks the chunk done, adds its counts to the
 * job and, if it was the last chunk, queues the finaliser. A redelivered chunk finds itself
 * done and does nothing; a crash before the commit leaves nothing behind.
 */
export function createChunkHandler(deps: ChunkHandlerDeps): MessageHandler {
  return handleQueue(QUEUES.importChunk, async (message, ctx) => {
    const { payload } = message;
    const job = await readJob(deps.pool, payload.jobId);
    if (job === undefined || !acceptsChunks(job.status)) {
      ctx.logger.info({ jobId: payload.jobId, chunkNo: payload.chunkNo }, "chunk of an ended job skipped");
      return;
    }
    const data = await readChunk(deps, payload);
    if (data === undefined) return;
    const known = new Set<string>(IMPORT_COLUMNS);
    const columns = job.header.filter((c): c is ImportColumn => known.has(c));
    const brands = await loadBrands(deps.pool);
    const result = checkChunk(data, {
      jobId: payload.jobId,
      columns,
      firstRow: payload.firstRow,
      firstLine: payload.firstLine,
      brands,
      restrictBrand: job.restrictBrand?.toLowerCase() ?? null,
      today: new Date().toISOString().slice(0, 10),
      validateRow: deps.validateRow,
    });
    let fresh = false;
    try {
      await withTransaction(deps.pool, async (client) => {
        if (await lockChunk(client, payload.jobId, payload.chunkNo)) return;
        fresh = true;
        await copyStaging(client, result.staging);
        await copyErrors(client, payload.jobId, result.errors);
        const counts = { total: result.total, valid: result.valid, invalid: result.invalid };
        if (!(await recordChunk(client, payload.jobId, payload.chunkNo, counts))) {
          throw new AppError(JOB_ENDED, "the import ended while this chunk was checked");
        }
        await claimFinalisation(client, payload.jobId, message.correlationId);
        await deps.beforeCommit?.(payload);
      });
    } catch (error) {
      if (isAppError(error, JOB_ENDED)) return;
      throw error;
    }
    if (fresh) await deps.afterCommit?.(payload);
  });
}

/** The chunk's bytes; a chunk whose blob is gone fails its job (no retry can bring it back). */
async function readChunk(deps: ChunkHandlerDeps, payload: ImportChunk): Promise<Buffer | undefined> {
  try {
    return await readAll(await deps.blob.download(payload.blob.container, payload.blob.name));
  } catch (error) {
    if (!isAppError(error, "BLOB_NOT_FOUND")) throw error;
    await failJob(deps.pool, payload.jobId, {
      code: "IMPORT_CHUNK_MISSING",
      message: `chunk ${payload.chunkNo} (${payload.blob.name}) is no longer in storage; upload the file again`,
    });
    return undefined;
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}
