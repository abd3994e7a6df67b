/** How an all-numeric date such as `05/03/2024` is read when both numbers could be the month. */
export const DATE_ORDERS = ["dmy", "mdy"] as const;
export type DateOrder = (typeof DATE_ORDERS)[number];

/** A calendar date found in text, as `YYYY-MM-DD`. */
export interface ParsedDate {
  readonly iso: string;
  /** True when day and month could be swapped; `alternative` is the other reading. */
  readonly ambiguous: boolean;
  readonly alternative: string | undefined;
  /** The spelling as it appeared. */
  readonly text: string;
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10,
  nov: 11, november: 11, dec: 12, december: 12,
};
const MONTH_NAME = "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?";
const DAY = "(\\d{1,2})(?:st|nd|rd|th)?";

/** Every spelling we read, tried in order; the first match in a line wins. */
const PATTERNS: readonly { readonly re: RegExp; readonly read: (m: RegExpExecArray, order: DateOrder) => ParsedDate | undefined }[] = [
  // 2024-03-05, 2024/03/05, 2024.03.05: year first is never ambiguous.
  { re: /\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b/, read: (m) => fixed(m, +m[1]!, +m[2]!, +m[3]!) },
  // 5 Mar 2024, 05-Mar-2024, 5th of March 2024
  { re: new RegExp(`\\b${DAY}[\\s\\-/.]*(?:of\\s+)?${MONTH_NAME}[\\s\\-/.,]*(\\d{4}|\\d{2})\\b`, "i"), read: (m) => fixed(m, year(m[3]!), month(m[2]!), +m[1]!) },
  // March 5, 2024 / Mar 5 2024
  { re: new RegExp(`\\b${MONTH_NAME}\\s+${DAY},?\\s+(\\d{4})\\b`, "i"), read: (m) => fixed(m, +m[3]!, month(m[1]!), +m[2]!) },
  // 05.03.24 / 05.03.2024: dots are the day-first (European) spelling.
  { re: /\b(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})\b/, read: (m) => numeric(m, "dmy") },
  // 05/03/2024, 5-3-24: slashes and dashes follow the configured order unless one number exceeds 12.
  { re: /\b(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})\b/, read: (m, order) => numeric(m, order) },
];

/**
 * Finds the first date in `text`. For `a/b/yyyy` with both a and b ≤ 12 the configured `order`
 * decides and the result is marked ambiguous; a number above 12 settles the order by itself.
 * Dotted dates are day-first; year-first and month-name spellings are never ambiguous.
 * Two-digit years are 2000–2069 or 1970–1999.
 */
export function parseDate(text: string, order: DateOrder): ParsedDate | undefined {
  let best: { index: number; date: ParsedDate } | undefined;
  for (const { re, read } of PATTERNS) {
    const m = re.exec(text);
    if (!m) continue;
    const date = read(m, order);
    if (date && (best === undefined || m.index < best.index)) best = { index: m.index, date };
  }
  return best?.date;
}

/** Every date in `text`, left to right. */
export function findDates(text: string, order: DateOrder): ParsedDate[] {
  const found: ParsedDate[] = [];
  let rest = text;
  for (let guard = 0; guard < 50; guard += 1) {
    const date = parseDate(rest, order);
    if (!date) break;
    found.push(date);
    rest = rest.slice(rest.indexOf(date.text) + date.text.length);
  }
  return found;
}

function year(text: string): number {
  const n = Number(text);
  if (text.length === 4) return n;
  return n < 70 ? 2000 + n : 1900 + n;
}

function month(name: string): number {
  return MONTHS[name.toLowerCase().replace(/\.$/, "")] ?? 0;
}

function iso(y: number, m: number, d: number): string | undefined {
  if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1) return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1) return undefined;
  return date.toISOString().slice(0, 10);
}

function fixed(m: RegExpExecArray, y: number, mo: number, d: number): ParsedDate | undefined {
  const value = iso(y, mo, d);
  return value === undefined ? undefined : { iso: value, ambiguous: false, alternative: undefined, text: m[0] };
}

function numeric(m: RegExpExecArray, order: DateOrder): ParsedDate | undefined {
  const a = +m[1]!;
  const b = +m[2]!;
  const y = year(m[3]!);
  const dmy = iso(y, b, a);
  const mdy = iso(y, a, b);
  const preferred = order === "dmy" ? dmy : mdy;
  const other = order === "dmy" ? mdy : dmy;
  const chosen = preferred ?? other;
  if (chosen === undefined) return undefined;
  const ambiguous = preferred !== undefined && other !== undefined && preferred !== other;
  return { iso: chosen, ambiguous, alternative: ambiguous ? other : undefined, text: m[0] };
}
