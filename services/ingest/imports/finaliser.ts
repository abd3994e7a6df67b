import type { BlobStore } from "../../../lib/blob/index.ts";
import type { MessageHandler } from "../../../lib/bus/index.ts";
import { sqlState, withTransaction } from "../../../lib/db/index.ts";
import type { Pool, PoolClient } from "../../../lib/db/index.ts";
import { describeError } from "../../../lib/errors/index.ts";
import { QUEUES, handleQueue } from "../../../lib/messages/index.ts";
import type { Logger } from "../../../lib/log/index.ts";
import { IMPORT_JOB_STATUS, abandonJob, finishJob, lockJob } from "../../../lib/imports/index.ts";
import type { ImportJob, ImportJobError } from "../../../lib/imports/index.ts";
import { assertStaged, checkStaging, dropStaging, mergeStaging, mergeUnlessDuplicates, moveDuplicates, previewMerge } from "./merge.ts";
export interface FinaliserDeps {
  readonly pool: Pool;
  readonly blob: BlobStore;
  /** Container the chunk blobs are in; they are deleted once the job has ended. */
  readonly container: string;
}

/**
 * Handles `import.finalise` once every chunk is done. In ONE transaction: moves duplicate rows
 * to the errors, applies the invalid-share threshold, then for a dry run counts what a commit
 * would insert and update, or for a commit merges staging into `product_models`. Any failure
 * rolls the whole of it back and fails the job with the reason; a redelivery after the job
 * ended does nothing.
 */
export function createFinaliser(deps: FinaliserDeps): MessageHandler {
  return handleQueue(QUEUES.importFinalise, async (message, ctx) => {
    const { jobId } = message.payload;
    try {
      await withTransaction(deps.pool, (client) => finalise(client, jobId));
    } catch (error) {
      const reason = describeError(error);
      ctx.logger.warn({ jobId, code: reason.code, err: reason.message }, "import finalisation failed; nothing committed");
      const failed = await withTransaction(deps.pool, (client) =>
        abandon(client, jobId, {
          code: "IMPORT_MERGE_FAILED",
          message: `the merge failed and nothing was committed: ${reason.message}`,
          details: { cause: sqlStateCode(error) ?? reason.code },
        }),
      );
      if (!failed) return;
    }
    await removeChunks(deps, jobId, ctx.logger);
  });
}

async function finalise(client: PoolClient, jobId: string): Promise<void> {
  const job = await lockJob(client, jobId);
  if (job === undefined || job.status !== IMPORT_JOB_STATUS.finalising) return;
  if (!job.dryRun && !tooManyInvalid(job, job.invalid) && (await mergeAtOnce(client, jobId, job))) return;
  await checkStaging(client, jobId, job.valid);
  const duplicates = await moveDuplicates(client, jobId);
  const valid = job.valid - duplicates;
  const invalid = job.invalid + duplicates;
  const tooMany = tooManyInvalid(job, invalid);
  const error = tooMany
    ? {
        code: "IMPORT_TOO_MANY_INVALID",
        message:
          `${invalid} of ${job.total} rows are invalid (${((invalid * 100) / job.total).toFixed(2)} %), ` +
          `more than the ${job.maxInvalidPercent} % allowed; nothing was committed`,
        details: { invalid, total: job.total, maxInvalidPercent: job.maxInvalidPercent },
      }
    : undefined;
  if (job.dryRun || tooMany) {
    // A dry run predicts the commit, refusal included.
    const preview = job.dryRun ? await previewMerge(client, jobId) : { inserted: 0, updated: 0 };
    const status = tooMany ? IMPORT_JOB_STATUS.failed : IMPORT_JOB_STATUS.succeeded;
    await finish(client, jobId, { status, valid, invalid, ...preview, ...(error ? { error } : {}) });
    return;
  }
  const merged = await mergeStaging(client, jobId);
  await finish(client, jobId, { status: IMPORT_JOB_STATUS.succeeded, valid, invalid, ...merged });
}

/**
 * Most files have no repeats and staging is whole: merging straight away saves the two passes
 * over staging that check both, since the merge itself tells whether either was wrong. False,
 * with nothing merged, when the file repeats a key; the slow path then moves the repeats out.
 */
async function mergeAtOnce(client: PoolClient, jobId: string, job: ImportJob): Promise<boolean> {
  const merged = await mergeUnlessDuplicates(client, jobId);
  if (merged === undefined) return false;
  assertStaged(merged.inserted + merged.updated, job.valid);
  await finish(client, jobId, { status: IMPORT_JOB_STATUS.succeeded, valid: job.valid, invalid: job.invalid, ...merged });
  return true;
}

function tooManyInvalid(job: ImportJob, invalid: number): boolean {
  return invalid * 100 > job.maxInvalidPercent * job.total;
}

/** Ends the job with its final counts; its staging rows are no longer needed. */
async function finish(client: PoolClient, jobId: string, outcome: Parameters<typeof finishJob>[2]): Promise<void> {
  await dropStaging(client, jobId);
  await finishJob(client, jobId, outcome);
}

/** Fails a job whose finalisation broke, dropping its staging rows; false when it had already ended. */
async function abandon(client: PoolClient, jobId: string, error: ImportJobError): Promise<boolean> {
  await dropStaging(client, jobId);
  return abandonJob(client, jobId, error);
}

function sqlStateCode(error: unknown): string | undefined {
  const state = sqlState(error);
  return state === undefined ? undefined : `SQLSTATE_${state}`;
}

async function removeChunks(deps: FinaliserDeps, jobId: string, logger: Logger): Promise<void> {
  try {
    for await (const entry of deps.blob.list(deps.container, `${jobId}/`)) await deps.blob.delete(deps.container, entry.name);
  } catch (error) {
    logger.warn({ jobId, err: describeError(error).message }, "could not delete an import's chunk blobs");
  }
}
