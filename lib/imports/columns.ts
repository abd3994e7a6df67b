import { AppError } from "../errors/index.ts";

/** The columns of an import file, in template order. */
export const IMPORT_COLUMNS = [
  "brand",
  "model_number",
  "model_name",
  "category",
  "warranty_months",
  "release_date",
  "serial_format",
] as const;

/** One of {@link IMPORT_COLUMNS}. */
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** Columns a file must have; the others may be left out entirely. */
export const REQUIRED_COLUMNS: readonly ImportColumn[] = [
  "brand",
  "model_number",
  "model_name",
  "category",
  "warranty_months",
];

/** The downloadable template: the header and one example row. */
export function templateCsv(): string {
  return `${IMPORT_COLUMNS.join(",")}\r\nAcme,AC-1000,Acme Washer 1000,appliances,24,2024-03-01,SN-#{6}\r\n`;
}

/**
 * Maps header cells to columns (names are trimmed and compared case-insensitively). Unknown,
 * repeated and missing columns are all named in one `IMPORT_HEADER_INVALID` (422).
 */
export function checkHeader(cells: readonly string[]): ImportColumn[] {
  const known = new Set<string>(IMPORT_COLUMNS);
  const names = cells.map((cell) => cell.trim().toLowerCase());
  const unknown = names.filter((name) => !known.has(name));
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  const missing = REQUIRED_COLUMNS.filter((column) => !names.includes(column));
  if (unknown.length === 0 && repeated.length === 0 && missing.length === 0) return names as ImportColumn[];
  const parts = [
    missing.length > 0 ? `missing column(s): ${missing.join(", ")}` : "",
    unknown.length > 0 ? `unknown column(s): ${unknown.map((u) => JSON.stringify(u)).join(", ")}` : "",
    repeated.length > 0 ? `repeated column(s): ${[...new Set(repeated)].join(", ")}` : "",
  ].filter((p) => p !== "");
  throw new AppError("IMPORT_HEADER_INVALID", `the header row is invalid: ${parts.join("; ")}`, {
    status: 422,
    details: { missing, unknown, repeated: [...new Set(repeated)], expected: [...IMPORT_COLUMNS] },
  });
}
