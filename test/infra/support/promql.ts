import { METRICS } from "./app-contract.ts";

const OPERATORS = new Set(["and", "or", "unless", "bool", "offset", "inf", "nan"]);
const HISTOGRAM_SUFFIXES = ["_bucket", "_count", "_sum"];

/**
 * The metric names a PromQL expression selects. Good enough for the expressions in this repo:
 * strings, label matchers, ranges and grouping clauses are removed, and what is left that is
 * neither a function call nor an operator keyword is a metric name.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w.$])[A-Za-z_:][\w:]*/g)) {
    const rest = bare.slice(match.index + match[0].length).trimStart();
    if (rest.startsWith("(") || OPERATORS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names];
}

/** The exported metric a selected series belongs to (`x_bucket` of histogram `x` is `x`). */
export function exportedMetric(name: string): string | undefined {
  if (name in METRICS) return name;
  const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s));
  const base = suffix === undefined ? undefined : name.slice(0, -suffix.length);
  return base !== undefined && METRICS[base as keyof typeof METRICS] === "histogram" ? base : undefined;
}
