import { parse } from "csv-parse/sync";

/** Leading characters that make a spreadsheet run a cell as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Prefixes a formula-looking cell with `'`, which spreadsheets show as text. */
export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** One CSV field, quoted when it has to be. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * A failed row as it was uploaded plus its `error` cell. The original bytes are kept unless a
 * cell would run as a formula, in which case the row is written again with that cell defused;
 * a row that is not even valid CSV comes back as one defused field.
 */
export function failedRowLine(raw: string, error: string): string {
  let cells: string[] | undefined;
  try {
    cells = parse(raw, { relax_column_count: true })[0];
  } catch {
    cells = undefined;
  }
  const errorCell = csvField(neutraliseCell(error));
  if (cells === undefined) return `${csvField(neutraliseCell(raw))},${errorCell}`;
  if (!cells.some((cell) => FORMULA_START.test(cell))) return `${raw},${errorCell}`;
  return [...cells.map((cell) => csvField(neutraliseCell(cell))), errorCell].join(",");
}
