import type { Pool } from "../db/index.ts";

/** One row problem as clients page through them. */
export interface ImportErrorView {
  readonly row: number;
  readonly line: number;
  readonly column: string | null;
  readonly value: string | null;
  readonly code: string;
  readonly message: string;
}

/** A page of errors; `nextCursor` is absent on the last page. */
export interface ImportErrorPage {
  readonly items: ImportErrorView[];
  readonly nextCursor?: string;
}

/** Errors of job `id` in row order, `limit` at a time after the opaque `cursor`. */
export async function listErrors(pool: Pool, id: string, cursor: string | undefined, limit: number): Promise<ImportErrorPage> {
  const after = cursor === undefined ? [0, 0] : decodeCursor(cursor);
  const { rows } = await pool.query<ImportErrorView & { id: string }>(
    `select id, row_no as "row", line_no as "line", column_name as "column", value, code, message
     from import_errors where job_id = $1 and (row_no, id) > ($2, $3) order by row_no, id limit $4`,
    [id, after[0], after[1], limit + 1],
  );
  const items = rows.slice(0, limit).map(({ id: _id, ...item }) => item);
  const last = rows[limit - 1];
  return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.row, last.id) } : { items };
}

/** One failed row with every problem found in it. */
export interface FailedRow {
  readonly row: number;
  readonly raw: string;
  readonly error: string;
}

/** Failed rows of job `id` after row `afterRow`, `limit` at a time, each with its problems joined. */
export async function failedRows(pool: Pool, id: string, afterRow: number, limit: number): Promise<FailedRow[]> {
  const { rows } = await pool.query<FailedRow>(
    `select row_no as "row", min(raw) as raw,
            string_agg(case when column_name is null then '' else column_name || ': ' end || message, '; ' order by id) as error
     from import_errors where job_id = $1 and row_no > $2
     group by row_no order by row_no limit $3`,
    [id, afterRow, limit],
  );
  return rows;
}

function encodeCursor(row: number, id: string): string {
  return Buffer.from(`${row}:${id}`).toString("base64url");
}

function decodeCursor(cursor: string): [number, number] {
  const match = /^(\d+):(\d+)$/.exec(Buffer.from(cursor, "base64url").toString());
  return match ? [Number(match[1]), Number(match[2])] : [0, 0];
}
