import { AppError } from "../../../lib/errors/index.ts";
import { SQLSTATE, hasSqlState } from "../../../lib/db/index.ts";
import type { PoolClient } from "../../../lib/db/index.ts";

/** The job as the finaliser needs it, locked for the finaliser's transaction. */
export interface FinalisingJob {
  readonly status: string;
  readonly dryRun: boolean;
  readonly maxInvalidPercent: number;
  readonly total: number;
  readonly valid: number;
  readonly invalid: number;
}

/** Locks the job row; undefined when there is no such job. */
export async function lockJob(client: PoolClient, id: string): Promise<FinalisingJob | undefined> {
  const { rows } = await client.query<{
    status: string;
    dry_run: boolean;
    max_invalid_percent: string;
    total_rows: number;
    valid_rows: number;
    invalid_rows: number;
  }>("select status, dry_run, max_invalid_percent, total_rows, valid_rows, invalid_rows from import_jobs where id = $1 for update", [id]);
  const r = rows[0];
  return (
    r && {
      status: r.status,
      dryRun: r.dry_run,
      maxInvalidPercent: Number(r.max_invalid_percent),
      total: r.total_rows,
      valid: r.valid_rows,
      invalid: r.invalid_rows,
    }
  );
}

/**
 * Throws `IMPORT_STAGING_LOST` when staging lacks rows the chunks counted as valid: the unlogged
 * table is emptied when PostgreSQL crashes, and a partial file must never be merged.
 */
export async function checkStaging(client: PoolClient, id: string, valid: number): Promise<void> {
  const { rows } = await client.query<{ n: number }>("select count(*)::int as n from import_staging where job_id = $1", [id]);
  assertStaged(rows[0]?.n ?? 0, valid);
}

/** Throws `IMPORT_STAGING_LOST` unless `staged` (rows found in staging) equals the valid rows counted. */
export function assertStaged(staged: number, valid: number): void {
  if (staged !== valid) {
    throw new AppError("IMPORT_STAGING_LOST", `staging holds ${staged} of the ${valid} valid rows (was the database restarted?)`);
  }
}

/**
 * Moves every repeat of a brand + model_number already seen earlier in the file from staging
 * to the errors, naming the first row. Chunks are checked in parallel, so this is the first
 * point where the whole file is known. Returns how many rows were moved.
 */
export async function moveDuplicates(client: PoolClient, id: string): Promise<number> {
  // Most files have no repeats: a hash aggregate finds that out far cheaper than the window below.
  const { rows } = await client.query<{ any: boolean }>(
    `select exists (select 1 from import_staging where job_id = $1 group by brand_id, model_number having count(*) > 1) as any`,
    [id],
  );
  if (!rows[0]?.any) return 0;
  const { rowCount } = await client.query(
    `with ranked as (
       select ctid as tid, row_no, first_value(row_no) over w as first_row, row_number() over w as n
       from import_staging where job_id = $1
       window w as (partition by brand_id, model_number order by row_no)
     ), moved as (
       delete from import_staging s using ranked r
       where s.job_id = $1 and s.ctid = r.tid and r.n > 1
       returning s.row_no, s.line_no, s.model_number, s.raw, r.first_row
     )
     insert into import_errors (job_id, row_no, line_no, column_name, value, code, message, raw)
     select $1, row_no, line_no, 'model_number', model_number, 'DUPLICATE_IN_FILE',
            'brand + model_number already appear in row ' || first_row, raw
     from moved`,
    [id],
  );
  return rowCount ?? 0;
}

/** What a commit would do against the live table (dry run). */
export async function previewMerge(client: PoolClient, id: string): Promise<{ inserted: number; updated: number }> {
  const { rows } = await client.query<{ inserted: number; updated: number }>(
    `select count(*) filter (where p.id is null)::int as inserted, count(p.id)::int as updated
     from import_staging s left join product_models p on p.brand_id = s.brand_id and p.model_number = s.model_number
     where s.job_id = $1`,
    [id],
  );
  return rows[0] ?? { inserted: 0, updated: 0 };
}

/**
 * Inserts or updates every staged row. Merges take a transaction-level advisory lock first, so
 * two overlapping imports run one after the other instead of deadlocking on each other's rows
 * (cheaper than sorting every file into key order).
 */
export async function mergeStaging(client: PoolClient, id: string): Promise<{ inserted: number; updated: number }> {
  await client.query("select pg_advisory_xact_lock(hashtext('warranty-hub:import-merge'))");
  const { rows } = await client.query<{ inserted: number; updated: number }>(
    `with merged as (
       insert into product_models (brand_id, model_number, model_name, category, warranty_months, release_date, serial_format)
       select brand_id, model_number, model_name, category, warranty_months, release_date, serial_format
       from import_staging where job_id = $1
       on conflict (brand_id, model_number) do update set
         model_name = excluded.model_name, category = excluded.category, warranty_months = excluded.warranty_months,
         release_date = excluded.release_date, serial_format = excluded.serial_format, updated_at = now()
       returning (xmax = 0) as fresh
     )
     select count(*) filter (where fresh)::int as inserted, count(*) filter (where not fresh)::int as updated from merged`,
    [id],
  );
  return rows[0] ?? { inserted: 0, updated: 0 };
}

/**
 * {@link mergeStaging} inside a savepoint; undefined, with nothing merged, when staging repeats a
 * brand + model_number (the caller then moves the repeats out and merges again).
 */
export async function mergeUnlessDuplicates(client: PoolClient, id: string): Promise<{ inserted: number; updated: number } | undefined> {
  await client.query("savepoint import_merge");
  try {
    const merged = await mergeStaging(client, id);
    await client.query("release savepoint import_merge");
    return merged;
  } catch (error) {
    if (!hasSqlState(error, SQLSTATE.cardinalityViolation)) throw error;
    await client.query("rollback to savepoint import_merge");
    return undefined;
  }
}

/** Ends the job with its final counts and drops its staging rows. */
export async function finishJob(
  client: PoolClient,
  id: string,
  outcome: {
    status: "succeeded" | "failed";
    valid: number;
    invalid: number;
    inserted: number;
    updated: number;
    error?: { code: string; message: string; details?: Record<string, unknown> };
  },
): Promise<void> {
  await client.query("delete from import_staging where job_id = $1", [id]);
  await client.query(
    `update import_jobs set status = $2, valid_rows = $3, invalid_rows = $4, inserted_rows = $5, updated_rows = $6,
       error = $7, updated_at = now(), finished_at = clock_timestamp()
     where id = $1`,
    [
      id,
      outcome.status,
      outcome.valid,
      outcome.invalid,
      outcome.inserted,
      outcome.updated,
      outcome.error ? JSON.stringify(outcome.error) : null,
    ],
  );
}

/** Fails a job whose finalisation broke, dropping its staging rows; false when it had already ended. */
export async function abandonJob(
  client: PoolClient,
  id: string,
  error: { code: string; message: string; details?: Record<string, unknown> },
): Promise<boolean> {
  await client.query("delete from import_staging where job_id = $1", [id]);
  const { rowCount } = await client.query(
    `update import_jobs set status = 'failed', error = $2, updated_at = now(), finished_at = clock_timestamp()
     where id = $1 and status = 'finalising'`,
    [id, JSON.stringify(error)],
  );
  return rowCount === 1;
}
