import { parse } from "csv-parse/sync";
import { csvField, recordSpans } from "../imports/index.ts";
import type { TransformationPlan } from "./apply.ts";

/**
 * Rewrites the records of a CSV chunk (whole records, no header) through `plan`, keeping
 * every byte between records (line ends, blank lines) and the newlines inside quoted fields,
 * so the rows keep their row and line numbers. A record that is not valid CSV is left as it
 * is, for the importer to report as malformed.
 */
export function transformCsvRecords(plan: Pick<TransformationPlan, "apply">, data: Buffer, firstLine = 1): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const span of recordSpans(data, firstLine)) {
    parts.push(data.subarray(at, span.start));
    const record = data.subarray(span.start, span.end);
    let cells: string[] | undefined;
    try {
      const records: string[][] = parse(record, { relax_column_count: true });
      cells = records[0];
    } catch {
      cells = undefined;
    }
    parts.push(cells === undefined ? record : Buffer.from(plan.apply(cells).map(csvField).join(","), "utf8"));
    at = span.end;
  }
  parts.push(data.subarray(at));
  return Buffer.concat(parts);
}
