import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import type { PoolClient } from "../../../lib/db/index.ts";
import { STAGING_COLUMNS, copyText } from "../../../lib/imports/index.ts";
import type { BrandRef, RowError } from "../../../lib/imports/index.ts";

/** What the chunk handler needs to know about its job. */
export interface ChunkJob {
  readonly status: string;
  readonly header: string[];
  readonly restrictBrand: string | null;
}

/** The job of a chunk, or undefined when it is gone. */
export async function loadChunkJob(client: PoolClient | { query: PoolClient["query"] }, id: string): Promise<ChunkJob | undefined> {
  const { rows } = await client.query<{ status: string; header: string[]; restrict_brand: string | null }>(
    "select status, header, restrict_brand from import_jobs where id = $1",
    [id],
  );
  const row = rows[0];
  return row && { status: row.status, header: row.header, restrictBrand: row.restrict_brand };
}

/** Every brand keyed by lower-case name; brands are few, so one query per chunk. */
export async function loadBrands(client: { query: PoolClient["query"] }): Promise<Map<string, BrandRef>> {
  const { rows } = await client.query<{ id: string; name: string }>("select id::text as id, name from brands");
  return new Map(rows.map((row) => [row.name.toLowerCase(), row]));
}

/** Locks the chunk's row; true when it was already done (a redelivery). */
export async function lockChunk(client: PoolClient, jobId: string, chunkNo: number): Promise<boolean> {
  const { rows } = await client.query<{ status: string }>(
    "select status from import_chunks where job_id = $1 and chunk_no = $2 for update",
    [jobId, chunkNo],
  );
  return rows[0]?.status === "done";
}

/** COPYs the valid rows, already in COPY text format (see `checkChunk`), into `import_staging`. */
export async function copyStaging(client: PoolClient, batches: readonly string[]): Promise<void> {
  if (batches.length === 0) return;
  await pipeline(Readable.from(batches), client.query(copyFrom(`copy import_staging (${STAGING_COLUMNS}) from stdin`)));
}

/** COPYs row errors into `import_errors`. */
export async function copyErrors(client: PoolClient, jobId: string, errors: readonly RowError[]): Promise<void> {
  if (errors.length === 0) return;
  const sql = "copy import_errors (job_id, row_no, line_no, column_name, value, code, message, raw) from stdin";
  await copyLines(client, sql, errors, (e) =>
    [
      jobId,
      String(e.row),
      String(e.line),
      e.column === null ? "\\N" : copyText(e.column),
      e.value === null ? "\\N" : copyText(e.value),
      copyText(e.code),
      copyText(e.message),
      copyText(e.raw),
    ].join("\t"),
  );
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

async function copyLines<T>(client: PoolClient, sql: string, items: readonly T[], line: (item: T) => string): Promise<void> {
  const stream = client.query(copyFrom(sql));
  function* batches(): Generator<string> {
    let batch = "";
    for (const item of items) {
      batch += `${line(item)}\n`;
      if (batch.length >= 65_536) {
        yield batch;
        batch = "";
      }
    }
    if (batch !== "") yield batch;
  }
  await pipeline(Readable.from(batches()), stream);
}
