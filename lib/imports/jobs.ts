import type { Pool, PoolClient } from "../db/index.ts";
import type { ImportChunk } from "../messages/index.ts";
import { enqueueOutbox } from "../outbox/index.ts";

/** Blob container holding the chunks of uploads (`<jobId>/<chunkNo>.csv`). */
export const IMPORT_CONTAINER = "imports";

/**
 * The lifecycle of an import: queued until its first chunk is checked, running while chunks
 * arrive, finalising once the last one is done and the finaliser is queued, then one of the two ends.
 */
export const IMPORT_JOB_STATUS = {
  queued: "queued",
  running: "running",
  finalising: "finalising",
  succeeded: "succeeded",
  failed: "failed",
} as const;

/** The `status` column of `import_jobs`. */
export type ImportJobStatus = (typeof IMPORT_JOB_STATUS)[keyof typeof IMPORT_JOB_STATUS];

/** The error an ended job carries, shown to clients as is. */
export interface ImportJobError {
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** True while chunks may still be checked into the job. */
export function acceptsChunks(status: ImportJobStatus): boolean {
  return status === IMPORT_JOB_STATUS.queued || status === IMPORT_JOB_STATUS.running;
}

/** One `import_jobs` row; every reader of the table gets this shape. */
export interface ImportJob {
  readonly id: string;
  readonly status: ImportJobStatus;
  readonly dryRun: boolean;
  readonly maxInvalidPercent: number;
  readonly createdBy: string;
  readonly restrictBrand: string | null;
  /** Column names of the upload, in file order; empty until the header is read. */
  readonly header: string[];
  readonly chunksTotal: number | null;
  readonly chunksDone: number;
  readonly total: number;
  readonly valid: number;
  readonly invalid: number;
  readonly inserted: number;
  readonly updated: number;
  readonly error: ImportJobError | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

/** A job's state as clients see it: `finalising` is shown as `running`. */
export interface ImportJobView {
  readonly id: string;
  readonly status: Exclude<ImportJobStatus, "finalising">;
  readonly dryRun: boolean;
  readonly maxInvalidPercent: number;
  readonly counts: { total: number; valid: number; invalid: number; inserted: number; updated: number };
  readonly progress: { chunksDone: number; chunksTotal: number | null };
  readonly error?: ImportJobError;
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
export async function failJob(db: Pool | PoolClient, id: string, error: ImportJobError): Promise<boolean> {
  const { rowCount } = await db.query(
    `update import_jobs set status = 'failed', error = $2, updated_at = now(), finished_at = clock_timestamp()
     where id = $1 and status not in ('succeeded', 'failed')`,
    [id, JSON.stringify(error)],
  );
  return rowCount === 1;
}

/** Fails a job whose finalisation broke; false when it was no longer finalising (already ended). */
export async function abandonJob(client: PoolClient, id: string, error: ImportJobError): Promise<boolean> {
  const { rowCount } = await client.query(
    `update import_jobs set status = 'failed', error = $2, updated_at = now(), finished_at = clock_timestamp()
     where id = $1 and status = 'finalising'`,
    [id, JSON.stringify(error)],
  );
  return rowCount === 1;
}

/** Ends a finalised job with its final counts. */
export async function finishJob(
  client: PoolClient,
  id: string,
  outcome: {
    status: typeof IMPORT_JOB_STATUS.succeeded | typeof IMPORT_JOB_STATUS.failed;
    valid: number;
    invalid: number;
    inserted: number;
    updated: number;
    error?: ImportJobError;
  },
): Promise<void> {
  await client.query(
    `update import_jobs set status = $2, valid_rows = $3, invalid_rows = $4, inserted_rows = $5, updated_rows = $6,
       error = $7, updated_at = now(), finished_at = clock_timestamp()
     where id = $1`,
    [id, outcome.status, outcome.valid, outcome.invalid, outcome.inserted, outcome.updated, outcome.error ? JSON.stringify(outcome.error) : null],
  );
}

/** Locks the chunk's row; true when it was already done (a redelivery). */
export async function lockChunk(client: PoolClient, jobId: string, chunkNo: number): Promise<boolean> {
  const { rows } = await client.query<{ status: string }>(
    "select status from import_chunks where job_id = $1 and chunk_no = $2 for update",
    [jobId, chunkNo],
  );
  return rows[0]?.status === "done";
}

/**
 * Marks the chunk done and adds its counts to the job, in the chunk's transaction. False when
 * the job has ended meanwhile (failed upload): the caller rolls back.
 */
export async function recordChunk(
  client: PoolClient,
  jobId: string,
  chunkNo: number,
  counts: { total: number; valid: number; invalid: number },
): Promise<boolean> {
  await client.query(
    "update import_chunks set status = 'done', rows = $3, done_at = now() where job_id = $1 and chunk_no = $2",
    [jobId, chunkNo, counts.total],
  );
  const { rowCount } = await client.query(
    `update import_jobs set status = 'running', chunks_done = chunks_done + 1, total_rows = total_rows + $2,
       valid_rows = valid_rows + $3, invalid_rows = invalid_rows + $4, updated_at = now()
     where id = $1 and status in ('queued', 'running')`,
    [jobId, counts.total, counts.valid, counts.invalid],
  );
  return rowCount === 1;
}

/** A row of `import_jobs` as `select *` returns it. */
export interface JobRecord {
  id: string;
  status: ImportJobStatus;
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
  error: ImportJobError | null;
  created_at: Date;
  finished_at: Date | null;
}

/** The job with id `id`, or undefined; `lock` takes its row lock for the caller's transaction. */
export async function readJob(db: Pool | PoolClient, id: string, options: { lock?: boolean } = {}): Promise<ImportJob | undefined> {
  const { rows } = await db.query<JobRecord>(`select * from import_jobs where id = $1${options.lock ? " for update" : ""}`, [id]);
  const r = rows[0];
  return r === undefined ? undefined : toJob(r);
}

function toJob(r: JobRecord): ImportJob {
  return {
    id: r.id,
    status: r.status,
    dryRun: r.dry_run,
    maxInvalidPercent: Number(r.max_invalid_percent),
    createdBy: r.created_by,
    restrictBrand: r.restrict_brand,
    header: r.header,
    chunksTotal: r.chunks_total,
    chunksDone: r.chunks_done,
    total: r.total_rows,
    valid: r.valid_rows,
    invalid: r.invalid_rows,
    inserted: r.inserted_rows,
    updated: r.updated_rows,
    error: r.error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

/** Locks the job row for the finaliser's transaction; undefined when there is no such job. */
export function lockJob(client: PoolClient, id: string): Promise<ImportJob | undefined> {
  return readJob(client, id, { lock: true });
}

/** The job with id `id` as its API shows it, with what is needed to authorise reading it. */
export async function getJob(pool: Pool, id: string): Promise<ImportJobRow | undefined> {
  const job = await readJob(pool, id);
  return job === undefined ? undefined : jobRowOf(job);
}

/** Maps a row of `import_jobs` (`select *`) to what the API shows and authorises with. */
export function toJobRow(r: JobRecord): ImportJobRow {
  return jobRowOf(toJob(r));
}

function jobRowOf(job: ImportJob): ImportJobRow {
  const view: ImportJobView = {
    id: job.id,
    status: job.status === IMPORT_JOB_STATUS.finalising ? IMPORT_JOB_STATUS.running : job.status,
    dryRun: job.dryRun,
    maxInvalidPercent: job.maxInvalidPercent,
    counts: { total: job.total, valid: job.valid, invalid: job.invalid, inserted: job.inserted, updated: job.updated },
    progress: { chunksDone: job.chunksDone, chunksTotal: job.chunksTotal },
    ...(job.error ? { error: job.error } : {}),
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
  return { view, createdBy: job.createdBy, restrictBrand: job.restrictBrand, header: job.header };
}
