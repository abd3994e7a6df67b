import type { Pool, PoolClient } from "../db/index.ts";
import type { ImportChunk } from "../messages/index.ts";
import { enqueueOutbox } from "../outbox/index.ts";

/** Blob container holding the chunks of uploads (`<jobId>/<chunkNo>.csv`). */
export const IMPORT_CONTAINER = "imports";

/** A job's state as clients see it. */
export interface ImportJobView {
  readonly id: string;
  readonly status: "queued" | "running" | "succeeded" | "failed";
  readonly dryRun: boolean;
  readonly maxInvalidPercent: number;
  readonly counts: { total: number; valid: number; invalid: number; inserted: number; updated: number };
  readonly progress: { chunksDone: number; chunksTotal: number | null };
  readonly error?: { code: string; message: string; details?: Record<string, unknown> };
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

/** Who created a job, and what is needed to authorise reading it. */
export interface ImportJobRow {
  readonly view: ImportJobView;
  readonly createdBy: string;
  readonly restrictBrand: string | null;
  readonly header: string[];
}

/** What a new job records. */
export interface NewImportJob {
  readonly id: string;
  readonly dryRun: boolean;
  readonly maxInvalidPercent: number;
  readonly createdBy: string;
  readonly role: string;
  readonly restrictBrand: string | null;
}

/** Creates the job row (status queued). */
export async function insertJob(pool: Pool, job: NewImportJob): Promise<void> {
  await pool.query(
    `insert into import_jobs (id, dry_run, max_invalid_percent, created_by, created_by_role, restrict_brand)
     values ($1, $2, $3, $4, $5, $6)`,
    [job.id, job.dryRun, job.maxInvalidPercent, job.createdBy, job.role, job.restrictBrand],
  );
}

/** Records the header the upload's columns were mapped from. */
export async function setJobHeader(pool: Pool, id: string, header: readonly string[]): Promise<void> {
  await pool.query("update import_jobs set header = $2, updated_at = now() where id = $1", [id, header]);
}

/** Records a chunk before its message is published, so progress can be counted. */
export async function insertChunk(pool: Pool, chunk: ImportChunk): Promise<void> {
  await pool.query(
    `insert into import_chunks (job_id, chunk_no, blob_name, first_row, first_line) values ($1, $2, $3, $4, $5)`,
    [chunk.jobId, chunk.chunkNo, chunk.blob.name, chunk.firstRow, chunk.firstLine],
  );
}

/** Marks the upload complete with its chunk count, and starts the finaliser if every chunk is already done. */
export async function completeUpload(client: PoolClient, id: string, chunksTotal: number, bytes: number, correlationId: string) {
  await client.query(
    "update import_jobs set chunks_total = $2, upload_bytes = $3, updated_at = now() where id = $1",
    [id, chunksTotal, bytes],
  );
  await claimFinalisation(client, id, correlationId);
}

/**
 * Moves the job to `finalising` when every chunk is done and the upload is complete, and, in
 * the same transaction, queues exactly one `import.finalise` message: only the transaction
 * whose conditional update matched a row sends it.
 */
export async function claimFinalisation(client: PoolClient, id: string, correlationId: string): Promise<boolean> {
  const { rowCount } = await client.query(
    `update import_jobs set status = 'finalising', updated_at = now()
     where id = $1 and status in ('queued', 'running') and chunks_total is not null and chunks_done = chunks_total`,
    [id],
  );
  if (rowCount !== 1) return false;
  await enqueueOutbox(client, "import.finalise", { jobId: id }, { correlationId });
  return true;
}

/** Ends a job that is not finished yet with `error`; false when it had already ended. */
export async function failJob(
  db: Pool | PoolClient,
  id: string,
  error: { code: string; message: string; details?: Record<string, unknown> },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `update import_jobs set status = 'failed', error = $2, updated_at = now(), finished_at = clock_timestamp()
     where id = $1 and status not in ('succeeded', 'failed')`,
    [id, JSON.stringify(error)],
  );
  return rowCount === 1;
}

/** A row of `import_jobs` as `select *` returns it. */
export interface JobRecord {
  id: string;
  status: string;
  dry_run: boolean;
  max_invalid_percent: string;
  created_by: string;
  restrict_brand: string | null;
  header: string[];
  chunks_total: number | null;
  chunks_done: number;
  total_rows: number;
  valid_rows: number;
  invalid_rows: number;
  inserted_rows: number;
  updated_rows: number;
  error: ImportJobView["error"] | null;
  created_at: Date;
  finished_at: Date | null;
}

/** The job with id `id`, or undefined. */
export async function getJob(pool: Pool, id: string): Promise<ImportJobRow | undefined> {
  const { rows } = await pool.query<JobRecord>("select * from import_jobs where id = $1", [id]);
  const r = rows[0];
  return r === undefined ? undefined : toJobRow(r);
}

/** Maps a row of `import_jobs` (`select *`) to what the API shows and authorises with. */
export function toJobRow(r: JobRecord): ImportJobRow {
  const status = r.status === "finalising" ? "running" : (r.status as ImportJobView["status"]);
  const view: ImportJobView = {
    id: r.id,
    status,
    dryRun: r.dry_run,
    maxInvalidPercent: Number(r.max_invalid_percent),
    counts: {
      total: r.total_rows,
      valid: r.valid_rows,
      invalid: r.invalid_rows,
      inserted: r.inserted_rows,
      updated: r.updated_rows,
    },
    progress: { chunksDone: r.chunks_done, chunksTotal: r.chunks_total },
    ...(r.error ? { error: r.error } : {}),
    createdAt: r.created_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
  return { view, createdBy: r.created_by, restrictBrand: r.restrict_brand, header: r.header };
}
