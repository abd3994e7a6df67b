import { AppError } from "../errors/index.ts";

/** Re-reads a date written in `format` (tokens YYYY, MM, M, DD, D and separators) as ISO `YYYY-MM-DD`. */
export interface DateConversion {
  readonly kind: "date";
  readonly format: string;
}

/** Converts a number between time units, e.g. a warranty in years to months. */
export interface UnitConversion {
  readonly kind: "unit";
  readonly from: TimeUnit;
  readonly to: TimeUnit;
}

/** Replaces whole values found in `values` (after trimming and case-insensitively); others are kept. */
export interface MapConversion {
  readonly kind: "map";
  readonly values: Readonly<Record<string, string>>;
}

export type Conversion = DateConversion | UnitConversion | MapConversion;

/** Units a {@link UnitConversion} knows, with their length in months. */
export const TIME_UNITS = { years: 12, months: 1 } as const;
export type TimeUnit = keyof typeof TIME_UNITS;

/** What to do with one source column: rename it, then trim, convert and change case, in that order. */
export interface ColumnRule {
  /** The header in the uploaded file, matched after trimming and case-insensitively. */
  readonly from: string;
  /** The canonical header it becomes; the same header when absent. */
  readonly to?: string;
  readonly trim?: boolean;
  readonly case?: "upper" | "lower";
  readonly convert?: Conversion;
}

/**
 * A transformation script's body, validated by `schemas/api/transformations/definition.json`.
 * Columns without a rule pass through unchanged, so canonical files still import.
 */
export interface TransformationDefinition {
  readonly columns: readonly ColumnRule[];
}

/** The part of a date format: a field, or literal text between fields. */
export type DateToken = "YYYY" | "MM" | "M" | "DD" | "D" | { readonly literal: string };

/** Splits a date format into tokens; `TRANSFORMATION_INVALID` unless it has one year, month and day. */
export function dateTokens(format: string): DateToken[] {
  const tokens: DateToken[] = [];
  for (const match of format.matchAll(/YYYY|MM|DD|M|D|[^YMD]+/g)) {
    const text = match[0];
    tokens.push(text === "YYYY" || text === "MM" || text === "M" || text === "DD" || text === "D" ? text : { literal: text });
  }
  const fields = tokens.flatMap((t) => (typeof t === "string" ? [t.charAt(0)] : []));
  if (tokens.map((t) => (typeof t === "string" ? t : t.literal)).join("") !== format || fields.sort().join("") !== "DMY") {
    throw invalid(`date format ${JSON.stringify(format)} must contain YYYY, MM (or M) and DD (or D) once each`);
  }
  return tokens;
}

/**
 * Checks what the JSON Schema cannot: distinct source columns and target headers, and
 * date formats that name each field once. Returns every problem as `{ field, message }`.
 */
export function definitionProblems(definition: TransformationDefinition): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const sources = new Set<string>();
  const targets = new Set<string>();
  definition.columns.forEach((rule, index) => {
    const source = normalise(rule.from);
    const target = normalise(rule.to ?? rule.from);
    if (sources.has(source)) problems.push({ field: `/columns/${index}/from`, message: `column ${rule.from} has two rules` });
    if (targets.has(target)) problems.push({ field: `/columns/${index}/to`, message: `two columns become ${rule.to ?? rule.from}` });
    sources.add(source);
    targets.add(target);
    if (rule.convert?.kind === "date") {
      try {
        dateTokens(rule.convert.format);
      } catch (error) {
        problems.push({ field: `/columns/${index}/convert/format`, message: (error as Error).message });
      }
    }
  });
  return problems;
}

/** Throws `TRANSFORMATION_INVALID` (422) naming every problem of {@link definitionProblems}. */
export function assertDefinition(definition: TransformationDefinition): void {
  const problems = definitionProblems(definition);
  if (problems.length > 0) {
    throw new AppError("TRANSFORMATION_INVALID", `transformation script is invalid: ${problems.map((p) => `${p.field} ${p.message}`).join("; ")}`, {
      status: 422,
      details: { problems: problems.map((p) => ({ location: "body", field: `/definition${p.field}`, message: p.message })) },
    });
  }
}

/** How headers are compared: trimmed and case-insensitive. */
export function normalise(header: string): string {
  return header.trim().toLowerCase();
}

function invalid(message: string): AppError {
  return new AppError("TRANSFORMATION_INVALID", message, { status: 422 });
}
