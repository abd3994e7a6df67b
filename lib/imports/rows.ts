import { readFile } from "node:fs/promises";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { serialFormatProblem } from "../serial-format/index.ts";
import type { ImportColumn } from "./columns.ts";

/** Where the row schema lives; the API serves it and the worker compiles it. */
export const ROW_SCHEMA_URL = new URL("../../schemas/imports/product-model-row.json", import.meta.url);

/** A row that passed every check a single row allows (brand still by name). */
export interface RowValue {
  readonly brand: string;
  readonly model_number: string;
  readonly model_name: string;
  readonly category: string;
  readonly warranty_months: number;
  readonly release_date?: string;
  readonly serial_format?: string;
}

/** Why a row (or one of its cells) was refused. */
export interface RowProblem {
  readonly column: string | null;
  readonly value: string | null;
  readonly code: string;
  readonly message: string;
}

/** Checks one row's cells: the compiled schema, then what a schema cannot say. */
export type RowValidator = (columns: readonly ImportColumn[], cells: readonly string[], today: string) => {
  readonly value: RowValue | undefined;
  readonly problems: RowProblem[];
};

// ajv-formats is CommonJS; its default export arrives wrapped under Node's ESM interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** Reads the row schema as JSON (for `GET /api/v1/imports/schema.json`). */
export async function loadRowSchema(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(ROW_SCHEMA_URL, "utf8")) as Record<string, unknown>;
}

/** Compiles the row schema once; the returned function is called for every row. */
export function createRowValidator(schema: Record<string, unknown>): RowValidator {
  const rest = { ...schema };
  // The dialect is fixed by the compiler; the file names it for editors.
  delete rest.$schema;
  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true, coerceTypes: true }));
  const validate: ValidateFunction = ajv.compile(rest);
  // Files repeat a handful of masks over thousands of rows; compiling each once per validator saves most of the work.
  const masks = new Map<string, string | undefined>();
  const maskProblem = (mask: string) => {
    if (!masks.has(mask)) {
      if (masks.size >= 10_000) masks.clear();
      masks.set(mask, serialFormatProblem(mask));
    }
    return masks.get(mask);
  };
  return (columns, cells, today) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const cell = (cells[i] ?? "").trim();
      const column = columns[i];
      if (cell !== "" && column !== undefined) row[column] = cell;
    }
    // ajv coerces in place, so a failed row's values are reported from its cells.
    const problems: RowProblem[] = validate(row) ? [] : (validate.errors ?? []).map((e) => describe(e, cellsOf(columns, cells)));
    const date = row.release_date;
    if (typeof date === "string" && !problems.some((p) => p.column === "release_date") && date > today) {
      problems.push({ column: "release_date", value: date, code: "DATE_IN_FUTURE", message: `must not be after ${today}` });
    }
    const mask = row.serial_format;
    if (typeof mask === "string" && !problems.some((p) => p.column === "serial_format")) {
      const problem = maskProblem(mask);
      if (problem) problems.push({ column: "serial_format", value: mask, code: "SERIAL_FORMAT_INVALID", message: problem });
    }
    return { value: problems.length === 0 ? (row as unknown as RowValue) : undefined, problems };
  };
}

function cellsOf(columns: readonly ImportColumn[], cells: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((column, i) => [column, (cells[i] ?? "").trim()]));
}

const CODES: Readonly<Record<string, string>> = {
  required: "VALUE_REQUIRED",
  pattern: "VALUE_FORMAT",
  format: "VALUE_FORMAT",
  minimum: "VALUE_RANGE",
  maximum: "VALUE_RANGE",
  minLength: "VALUE_LENGTH",
  maxLength: "VALUE_LENGTH",
  type: "VALUE_TYPE",
};

function describe(error: ErrorObject, row: Record<string, unknown>): RowProblem {
  const params = error.params as Record<string, unknown>;
  const column =
    error.keyword === "required" && typeof params.missingProperty === "string"
      ? params.missingProperty
      : error.instancePath.replace(/^\//, "") || null;
  const raw = column === null ? undefined : row[column];
  const message = error.keyword === "required" ? "is required" : (error.message ?? "is invalid");
  return {
    column,
    value: typeof raw === "string" || typeof raw === "number" ? String(raw) : null,
    code: CODES[error.keyword] ?? "VALUE_INVALID",
    message,
  };
}
