import type { Page, Pool } from "../db/index.ts";
import { CURSOR_PART, decodeCursor, pageOf } from "../db/index.ts";
import { toJobRow } from "./jobs.ts";
import type { ImportJobView, JobRecord } from "./jobs.ts";

/** Which jobs {@link listJobs} returns; every filter is optional and they combine with AND. */
export interface JobFilter {
  /** Only jobs created by this subject (a brand admin sees only their own). */
  readonly createdBy?: string;
  readonly status?: ImportJobView["status"];
  readonly dryRun?: boolean;
  readonly cursor?: string;
  readonly limit: number;
}

/** One job in a listing: the job as `GET /imports/:id` shows it, plus who created it. */
export interface ImportJobListItem extends ImportJobView {
  readonly createdBy: string;
}

/** Jobs newest first, a page at a time, keyed on (created_at, id) so new uploads never shift a page. */
export async function listJobs(pool: Pool, filter: JobFilter): Promise<Page<ImportJobListItem>> {
  const [createdAt, id] = filter.cursor === undefined ? [null, null] : decodeCursor(filter.cursor, [CURSOR_PART.timestamptz, CURSOR_PART.uuid]);
  // The API shows `finalising` as `running`, so filtering on running must match both.
  const statuses = filter.status === "running" ? ["running", "finalising"] : filter.status ? [filter.status] : null;
  const { rows } = await pool.query<JobRecord & { created_key: string }>(
    `select *, created_at::text as created_key from import_jobs
      where ($1::text is null or created_by = $1)
        and ($2::text[] is null or status = any($2))
        and ($3::boolean is null or dry_run = $3)
        and ($4::timestamptz is null or (created_at, id) < ($4::timestamptz, $5::uuid))
      order by created_at desc, id desc
      limit $6`,
    [filter.createdBy ?? null, statuses, filter.dryRun ?? null, createdAt, id, filter.limit + 1],
  );
  return pageOf(
    rows,
    filter.limit,
    (r) => [r.created_key, r.id],
    (r) => ({ ...toJobRow(r).view, createdBy: r.created_by }),
  );
}
