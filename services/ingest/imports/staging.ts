import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import type { PoolClient } from "../../../lib/db/index.ts";
import { STAGING_COLUMNS, copyText } from "../../../lib/imports/index.ts";
import type { BrandRef, RowError } from "../../../lib/imports/index.ts";

/** Every brand keyed by lower-case name; brands are few, so one query per chunk. */
export async function loadBrands(client: { query: PoolClient["query"] }): Promise<Map<string, BrandRef>> {
  const { rows } = await client.query<{ id: string; name: string }>("select id::text as id, name from brands");
  return new Map(rows.map((row) => [row.name.toLowerCase(), row]));
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
