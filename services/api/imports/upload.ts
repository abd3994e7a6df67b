import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { Principal } from "../../../lib/auth/index.ts";
import type { BlobStore } from "../../../lib/blob/index.ts";
import type { Bus } from "../../../lib/bus/index.ts";
import { withTransaction } from "../../../lib/db/index.ts";
import type { Pool } from "../../../lib/db/index.ts";
import { AppError, describeError } from "../../../lib/errors/index.ts";
import {
  IMPORT_CONTAINER,
  completeUpload,
  cutChunks,
  failJob,
  insertChunk,
  insertJob,
  multipartPart,
  setJobHeader,
} from "../../../lib/imports/index.ts";
import type { ImportSettings } from "../../../lib/imports/index.ts";
import { publish } from "../../../lib/messages/index.ts";
import { multipartBoundary } from "../../../lib/multipart/index.ts";
import type { ImportChunk } from "../../../lib/messages/index.ts";
import { transformCsvRecords } from "../../../lib/transformations/index.ts";
import type { RowTransformer, RowTransformerFactory, TransformationPlan } from "../../../lib/transformations/index.ts";
export interface UploadDeps {
  readonly pool: Pool;
  readonly bus: Bus;
  readonly blob: BlobStore;
  readonly settings: ImportSettings;
  /**
   * DataTransformationFeature: the brand's transformation script, resolved once per upload, so
   * every chunk is rewritten to canonical CSV before the workers validate it. Absent, or
   * resolving to undefined (flag off, no script, tables rolled back): the legacy path.
   */
  readonly transformRows?: RowTransformerFactory;
}

/** One upload as the route received it. */
export interface Upload {
  readonly contentType: string;
  readonly body: ReadableStream<Uint8Array> | null;
  readonly dryRun: boolean;
  readonly maxInvalidPercent: number;
  readonly principal: Principal;
  readonly correlationId: string;
}

/** The bytes of the CSV: the body itself, or the `file` part of a multipart body; 415 otherwise. */
function csvSource(upload: Upload, maxBytes: number): AsyncIterable<Uint8Array> {
  const type = upload.contentType;
  const body = iterate(upload.body);
  if (/^text\/csv\s*(;|$)/i.test(type)) return body;
  if (/^multipart\/form-data\s*(;|$)/i.test(type)) return multipartPart(body, multipartBoundary(type), "file", maxBytes);
  throw new AppError("UNSUPPORTED_MEDIA_TYPE", "send the CSV as text/csv, or as the `file` part of multipart/form-data", {
    status: 415,
    details: { contentType: type },
  });
}

/**
 * Creates the job, streams the upload through the chunker (one blob and one `import.chunk`
 * message per chunk, published while the rest is still arriving), then records the chunk
 * count. A file-level problem fails the job and is rethrown with the job id in its details.
 */
export async function acceptUpload(deps: UploadDeps, upload: Upload): Promise<string> {
  const source = csvSource(upload, deps.settings.maxBytes);
  const id = randomUUID();
  const { principal } = upload;
  // Only a brand admin's upload names one brand; a super admin's file may mix brands.
  const transformer =
    principal.role === "brand_admin" && principal.brand !== undefined
      ? await deps.transformRows?.({ brand: principal.brand })
      : undefined;
  await insertJob(deps.pool, {
    id,
    dryRun: upload.dryRun,
    maxInvalidPercent: upload.maxInvalidPercent,
    createdBy: principal.subject,
    role: principal.role,
    restrictBrand: principal.role === "super_admin" ? null : (principal.brand ?? ""),
  });
  try {
    await cutAndPublish(deps, id, source, upload.correlationId, transformer);
  } catch (error) {
    const reason = describeError(error);
    const details = error instanceof AppError ? error.details : undefined;
    await failJob(deps.pool, id, { code: reason.code, message: reason.message, ...(details ? { details: { ...details } } : {}) });
    if (error instanceof AppError && error.status < 500) {
      throw new AppError(error.code, error.message, {
        status: error.status,
        details: { ...error.details, importId: id },
        cause: error,
      });
    }
    throw error;
  }
  return id;
}

async function cutAndPublish(
  deps: UploadDeps,
  id: string,
  source: AsyncIterable<Uint8Array>,
  correlationId: string,
  transformer: RowTransformer | undefined,
) {
  let chunks = 0;
  let bytes = 0;
  const inFlight = createInFlight(UPLOADS_IN_FLIGHT);
  let plan: TransformationPlan | undefined;
  const mapHeader = (cells: readonly string[]) => (plan = transformer?.plan(cells))?.headers ?? cells;
  try {
    for await (const event of cutChunks(source, transformer ? { ...deps.settings, mapHeader } : deps.settings)) {
      if (event.kind === "header") {
        await setJobHeader(deps.pool, id, event.columns);
      } else if (event.kind === "chunk") {
        const { chunk } = event;
        const name = `${id}/${String(chunk.no).padStart(6, "0")}.csv`;
        const data = plan ? transformCsvRecords(plan, chunk.data, chunk.firstLine) : chunk.data;
        const payload: ImportChunk = {
          jobId: id,
          chunkNo: chunk.no,
          blob: { container: IMPORT_CONTAINER, name },
          firstRow: chunk.firstRow,
          firstLine: chunk.firstLine,
          rows: chunk.rows,
        };
        await inFlight.add(publishChunk(deps, payload, data, correlationId));
        chunks++;
      } else {
        bytes = event.bytes;
      }
    }
  } catch (error) {
    // Let chunks already on their way land before the job is failed, so none is published after.
    await inFlight.drain().catch(() => undefined);
    throw error;
  }
  await inFlight.drain();
  await withTransaction(deps.pool, (client) => completeUpload(client, id, chunks, bytes, correlationId));
}

/** Chunks stored and published at once while the next ones are cut: hides storage latency, bounds memory. */
const UPLOADS_IN_FLIGHT = 4;

async function publishChunk(deps: UploadDeps, payload: ImportChunk, data: Buffer, correlationId: string): Promise<void> {
  await deps.blob.upload(IMPORT_CONTAINER, payload.blob.name, Readable.from([data]), { contentType: "text/csv" });
  await insertChunk(deps.pool, payload);
  await publish(deps.bus, "import.chunk", payload, { correlationId });
}

/** At most `limit` promises pending; the first failure is thrown by `add` or `drain` after all have settled. */
function createInFlight(limit: number) {
  const pending = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const settleAll = async () => {
    await Promise.allSettled(pending);
    if (failure) throw failure.error;
  };
  return {
    async add(work: Promise<void>): Promise<void> {
      const tracked: Promise<void> = work.then(
        () => void pending.delete(tracked),
        (error: unknown) => {
          pending.delete(tracked);
          failure ??= { error };
        },
      );
      pending.add(tracked);
      if (failure) await settleAll();
      if (pending.size >= limit) await Promise.race(pending);
      if (failure) await settleAll();
    },
    drain: settleAll,
  };
}

async function* iterate(body: ReadableStream<Uint8Array> | null): AsyncGenerator<Uint8Array> {
  if (body === null) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Stops the upload when the chunker gives up early (413, bad header).
    await reader.cancel().catch(() => undefined);
  }
}
