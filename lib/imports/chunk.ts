import { parse } from "csv-parse/sync";
import type { ImportColumn } from "./columns.ts";
import type { RowProblem, RowValidator, RowValue } from "./rows.ts";
import { recordSpans } from "./scanner.ts";
import type { RecordSpan } from "./scanner.ts";

/** A brand as the chunk checks see it. */
export interface BrandRef {
  readonly id: string;
  readonly name: string;
}

/** What checking a chunk needs besides its bytes. */
export interface ChunkContext {
  /** Written into every staging line. */
  readonly jobId: string;
  readonly columns: readonly ImportColumn[];
  readonly firstRow: number;
  readonly firstLine: number;
  /** Every brand, keyed by lower-case name. */
  readonly brands: ReadonlyMap<string, BrandRef>;
  /** For a brand admin: the only brand (lower-case) they may import. */
  readonly restrictBrand: string | null;
  /** Today as `YYYY-MM-DD` (UTC). */
  readonly today: string;
  readonly validateRow: RowValidator;
}

/** One problem of one row, as stored and reported. */
export interface RowError extends RowProblem {
  readonly row: number;
  readonly line: number;
  readonly raw: string;
}

/** The columns of {@link ChunkResult.staging}'s lines, in order. */
export const STAGING_COLUMNS =
  "job_id, row_no, line_no, brand_id, model_number, model_name, category, warranty_months, release_date, serial_format, raw";

/** The outcome of one chunk: its valid rows as COPY input, its errors, and counts. */
export interface ChunkResult {
  readonly total: number;
  readonly valid: number;
  /** Rows with at least one error. */
  readonly invalid: number;
  /**
   * The valid rows as COPY text-format lines ({@link STAGING_COLUMNS}), one batch per slice of
   * records: building them while checking keeps no per-row objects alive.
   */
  readonly staging: string[];
  readonly errors: RowError[];
}

const PARSE_OPTIONS = { relax_column_count: true, skip_empty_lines: true, record_delimiter: ["\r\n", "\n"] };

/** Records parsed at once: their arrays and strings then die young instead of crowding the old generation. */
const SLICE_RECORDS = 1_000;

/**
 * Parses a chunk with csv-parse and checks every row, a slice of records at a time. A slice
 * that does not parse as a whole (a stray quote) is parsed record by record, so one broken row
 * is reported with its line instead of hiding the rest.
 */
export function checkChunk(data: Buffer, ctx: ChunkContext): ChunkResult {
  const spans = recordSpans(data, ctx.firstLine);
  const staging: string[] = [];
  const errors: RowError[] = [];
  let invalid = 0;
  for (let from = 0; from < spans.length; from += SLICE_RECORDS) {
    const slice = spans.slice(from, from + SLICE_RECORDS);
    const records = parseRecords(data, slice);
    const lines: string[] = [];
    for (let i = 0; i < slice.length; i++) {
      const span = slice[i] as RecordSpan;
      const record = records[i] ?? [];
      const row = ctx.firstRow + from + i;
      const raw = data.toString("utf8", span.start, span.end);
      const checked = record instanceof Error ? { problems: [malformed(record)] } : checkRecord(record, ctx);
      if (checked.problems.length === 0 && checked.value !== undefined && checked.brand !== undefined) {
        lines.push(stagingLine(ctx.jobId, row, span.line, checked.brand.id, checked.value, raw));
      } else {
        invalid++;
        for (const problem of checked.problems) errors.push({ row, line: span.line, raw, ...problem });
      }
    }
    // One flat string per slice; appending row by row would keep a tree of string pieces alive.
    if (lines.length > 0) staging.push(lines.join(""));
  }
  return { total: spans.length, valid: spans.length - invalid, invalid, staging, errors };
}

function stagingLine(jobId: string, row: number, line: number, brandId: string, value: RowValue, raw: string): string {
  const date = value.release_date ?? "\\N";
  const mask = value.serial_format === undefined ? "\\N" : copyText(value.serial_format);
  return (
    `${jobId}\t${row}\t${line}\t${brandId}\t${copyText(value.model_number)}\t${copyText(value.model_name)}\t` +
    `${copyText(value.category)}\t${value.warranty_months}\t${date}\t${mask}\t${copyText(raw)}\n`
  );
}

/** Escapes a value for COPY's text format. */
export function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replaceAll("\\", "\\\\").replaceAll("\t", "\\t").replaceAll("\n", "\\n").replaceAll("\r", "\\r")
    : value;
}

function parseRecords(data: Buffer, spans: readonly RecordSpan[]): Array<string[] | Error> {
  const first = spans[0];
  const last = spans[spans.length - 1];
  if (first === undefined || last === undefined) return [];
  try {
    const all = parse(data.subarray(first.start, last.end), PARSE_OPTIONS);
    if (all.length === spans.length) return all;
  } catch {
    // Fall through to record-by-record parsing, which pins the error to its row.
  }
  return spans.map((span) => {
    try {
      return parse(data.subarray(span.start, span.end), PARSE_OPTIONS)[0] ?? [];
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  });
}

function malformed(error: Error): RowProblem {
  const message = error.message.replace(/ at line \d+/, "");
  return { column: null, value: null, code: "CSV_MALFORMED", message };
}

interface Checked {
  readonly problems: RowProblem[];
  readonly value?: RowValue | undefined;
  readonly brand?: BrandRef | undefined;
}

function checkRecord(cells: readonly string[], ctx: ChunkContext): Checked {
  if (cells.length !== ctx.columns.length) {
    const message = `has ${cells.length} field(s); the header has ${ctx.columns.length}`;
    return { problems: [{ column: null, value: null, code: "RAGGED_ROW", message }] };
  }
  const { value, problems } = ctx.validateRow(ctx.columns, cells, ctx.today);
  const name = value?.brand ?? cells[ctx.columns.indexOf("brand")]?.trim();
  if (name === undefined || name === "" || problems.some((p) => p.column === "brand")) return { problems };
  const brand = ctx.brands.get(name.toLowerCase());
  if (brand === undefined) {
    problems.push({ column: "brand", value: name, code: "BRAND_UNKNOWN", message: "no brand has this name" });
  } else if (ctx.restrictBrand !== null && brand.name.toLowerCase() !== ctx.restrictBrand) {
    const message = "a brand admin may import only their own brand's models";
    problems.push({ column: "brand", value: name, code: "BRAND_FORBIDDEN", message });
  }
  return { problems, value, brand };
}
