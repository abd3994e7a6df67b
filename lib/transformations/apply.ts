import { AppError } from "../errors/index.ts";
import { TIME_UNITS, dateTokens, normalise } from "./definition.ts";
import type { ColumnRule, Conversion, DateToken, TransformationDefinition } from "./definition.ts";

/** A row after transformation, under canonical headers. */
export interface TransformedRow {
  readonly headers: readonly string[];
  readonly row: readonly string[];
}

/** A script fitted to one file's header line: compute once, apply to every row. */
export interface TransformationPlan {
  /** The headers rows come out with, in the file's column order. */
  readonly headers: readonly string[];
  apply(row: readonly string[]): string[];
}

/**
 * Fits `definition` to a file's headers. Rules for columns the file lacks are ignored (the
 * importer's header check then reports the missing canonical column); two columns that end
 * up under one header are refused with `TRANSFORMATION_HEADER_CONFLICT` (422).
 */
export function planTransformation(definition: TransformationDefinition, headers: readonly string[]): TransformationPlan {
  const rules = new Map(definition.columns.map((rule) => [normalise(rule.from), rule]));
  const columns = headers.map((header) => {
    const rule = rules.get(normalise(header));
    return { header: rule ? (rule.to ?? rule.from).trim() : header, convert: rule ? valueConverter(rule) : undefined };
  });
  const seen = new Set<string>();
  for (const { header } of columns) {
    if (seen.has(normalise(header))) {
      throw new AppError("TRANSFORMATION_HEADER_CONFLICT", `after the transformation two columns are named ${header}`, {
        status: 422,
        details: { header, headers: [...headers] },
      });
    }
    seen.add(normalise(header));
  }
  return {
    headers: columns.map((c) => c.header),
    apply: (row) => row.map((value, index) => columns[index]?.convert?.(value) ?? value),
  };
}

/**
 * Applies a script to one row of a file whose header line is `headers`. Pure: a value that
 * does not fit its conversion (an impossible date, a word where a number belongs) is passed
 * on unchanged, so the importer's validation reports it with its row and column.
 */
export function applyTransformation(
  definition: TransformationDefinition,
  headers: readonly string[],
  row: readonly string[],
): TransformedRow {
  const plan = planTransformation(definition, headers);
  return { headers: plan.headers, row: plan.apply(row) };
}

function valueConverter(rule: ColumnRule): (value: string) => string {
  const convert = rule.convert ? conversion(rule.convert) : (value: string) => value;
  return (raw) => {
    const value = convert(rule.trim ? raw.trim() : raw);
    if (rule.case === "upper") return value.toUpperCase();
    if (rule.case === "lower") return value.toLowerCase();
    return value;
  };
}

function conversion(rule: Conversion): (value: string) => string {
  switch (rule.kind) {
    case "date":
      return dateConverter(dateTokens(rule.format));
    case "unit": {
      const factor = TIME_UNITS[rule.from] / TIME_UNITS[rule.to];
      return (value) => {
        const text = value.trim();
        if (!/^-?\d+(\.\d+)?$/.test(text)) return value;
        return String(Math.round(Number(text) * factor * 1e6) / 1e6);
      };
    }
    case "map": {
      const values = new Map(Object.entries(rule.values).map(([from, to]) => [normalise(from), to]));
      return (value) => values.get(normalise(value)) ?? value;
    }
  }
}

const FIELD = { YYYY: "(\\d{4})", MM: "(\\d{2})", M: "(\\d{1,2})", DD: "(\\d{2})", D: "(\\d{1,2})" } as const;

function dateConverter(tokens: readonly DateToken[]): (value: string) => string {
  const order: string[] = [];
  const source = tokens
    .map((token) => {
      if (typeof token !== "string") return token.literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      order.push(token.charAt(0));
      return FIELD[token];
    })
    .join("");
  const pattern = new RegExp(`^${source}$`);
  return (value) => {
    const match = pattern.exec(value.trim());
    if (!match) return value;
    const part = (field: string) => Number(match[order.indexOf(field) + 1]);
    const [year, month, day] = [part("Y"), part("M"), part("D")];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return value;
    return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  };
}
