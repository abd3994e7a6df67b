import { AppError } from "../../../lib/errors/index.ts";
import { SQLSTATE, hasSqlState } from "../../../lib/db/index.ts";
import type { PoolClient } from "../../../lib/db/index.ts";

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

/** Drops a job's staging rows once it has ended, whichever way. */
export async function dropStaging(client: PoolClient, id: string): Promise<void> {
  await client.query("delete from import_staging where job_id = $1", [id]);
}
