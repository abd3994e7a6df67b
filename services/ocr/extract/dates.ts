import { MONTH_NAME_SOURCE, monthNumber } from "./months.ts";
import { fold } from "./text.ts";

/** How an all-numeric date such as `05/03/2024` is read when both numbers could be the month. */
export const DATE_ORDERS = ["dmy", "mdy"] as const;
export type DateOrder = (typeof DATE_ORDERS)[number];

/**
 * How to read `a/b/yyyy`. A bare order is a configured default: a date it decides is reported
 * ambiguous. `settled` means the document itself (its language, currency or another date)
 * decided the order, so the reading is taken as certain.
 */
export type DateReading = DateOrder | { readonly order: DateOrder; readonly settled: boolean };

/** A calendar date found in text, as `YYYY-MM-DD`. */
export interface ParsedDate {
  readonly iso: string;
  /** True when day and month could be swapped; `alternative` is the other reading. */
  readonly ambiguous: boolean;
  readonly alternative: string | undefined;
  /** The spelling as it appeared. */
  readonly text: string;
  /** Where the spelling starts and ends in the searched text. */
  readonly index: number;
  readonly end: number;
  /** True for either end of a period such as `01.05.14-31.05.14`: never an issue date by itself. */
  readonly range: boolean;
  /** The order of an all-numeric date with slashes or dashes, when its numbers alone settle it. */
  readonly decides: DateOrder | undefined;
}

type Reader = (m: RegExpExecArray, reading: { order: DateOrder; settled: boolean }) => Omit<ParsedDate, "text" | "index" | "end" | "range"> | undefined;

const MONTH = `(${MONTH_NAME_SOURCE})(?![a-z])\\.?`;
// Ordinal suffixes: 3rd, 1er, 1º, 7. (German).
const DAY = "(\\d{1,2})(?:st|nd|rd|th|er|e|o|º|°)?\\.?";
const SEP = "[\\s\\-/.,]*";

/** Every spelling we read; each is searched on the folded text. */
const PATTERNS: readonly { readonly re: RegExp; readonly read: Reader }[] = [
  // 2024-03-05, 2024/03/05, 2024.03.05: year first is never ambiguous.
  { re: /(?<![\d.,])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)/g, read: (m) => fixed(+m[1]!, +m[3]!, +m[4]!) },
  // 5 Mar 2024, 05-Mar-24, 5th of March, 2024, 7. Mai 2014, 3 de agosto de 2014, 1er mars 2015
  {
    re: new RegExp(`(?<!\\d)${DAY}${SEP}(?:(?:de|of)\\s+)?${MONTH}${SEP}(?:(?:de|del)\\s+)?(\\d{4}(?!\\d)|'?\\d{2}(?!\\d|\\s*,?\\s*\\d{4}))`, "g"),
    read: (m) => fixed(year(m[3]!), monthNumber(m[2]!) ?? 0, +m[1]!),
  },
  // March 5, 2024 / Aug. 3 , 2014 / Mar-05-2024
  {
    re: new RegExp(`(?<![a-z])${MONTH}[\\s\\-/.]*(\\d{1,2})(?:st|nd|rd|th)?\\s*,?[\\s\\-/]*(\\d{4})(?!\\d)`, "g"),
    read: (m) => fixed(+m[3]!, monthNumber(m[1]!) ?? 0, +m[2]!),
  },
  // 05.03.24 / 05.03.2024: dots are the day-first spelling wherever they are used.
  { re: /(?<![\d.,])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?!\d|[.,]\d)/g, read: (m) => fixed(year(m[3]!), +m[2]!, +m[1]!) },
  // 05/03/2024, 5-3-24: slashes and dashes follow the reading unless one number exceeds 12.
  { re: /(?<![\d.,/])(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})(?!\d|[.,/]\d)/g, read: (m, reading) => numeric(+m[1]!, +m[3]!, year(m[4]!), reading) },
];

/** What may stand between the two ends of a period: `01.05.–31.05.`, `1 May to 31 May`, `du … au …`. */
const RANGE_JOIN = /^\s*(?:-|–|—|to|till|until|through|bis|au|tot|al|a|ate|t\/m)\s*$/;

/**
 * Every date in `text`, left to right, spelled with month names or abbreviations in English,
 * German, French, Dutch, Spanish, Italian or Portuguese (loose spacing and punctuation), year
 * first, or all-numeric with `.`, `/` or `-`. For `a/b/yyyy` with both a and b ≤ 12 the
 * `reading` decides; unless the document settled it the result is marked ambiguous. Dotted
 * dates are day-first. Two-digit years are 2000–2069 or 1970–1999.
 */
export function findDates(text: string, reading: DateReading): ParsedDate[] {
  const folded = fold(text);
  const settledReading = typeof reading === "string" ? { order: reading, settled: false } : reading;
  const found: Omit<ParsedDate, "range">[] = [];
  for (const { re, read } of PATTERNS) {
    for (const m of folded.matchAll(re)) {
      const date = read(m, settledReading);
      if (date) found.push({ ...date, text: text.slice(m.index, m.index + m[0].length).trim(), index: m.index, end: m.index + m[0].length });
    }
  }
  const chosen = found
    .toSorted((a, b) => a.index - b.index || b.end - a.end)
    .filter((d, i, all) => !all.slice(0, i).some((o) => d.index < o.end));
  return chosen.map((d, i) => {
    const previous = chosen[i - 1];
    const next = chosen[i + 1];
    const joined = (a: { end: number } | undefined, b: { index: number } | undefined) => a !== undefined && b !== undefined && RANGE_JOIN.test(folded.slice(a.end, b.index));
    return { ...d, range: joined(previous, d) || joined(d, next) };
  });
}

/** The first date in `text` (see {@link findDates}). */
export function parseDate(text: string, reading: DateReading): ParsedDate | undefined {
  return findDates(text, reading)[0];
}

function year(text: string): number {
  const digits = text.replace("'", "");
  const n = Number(digits);
  if (digits.length === 4) return n;
  return n < 70 ? 2000 + n : 1900 + n;
}

function iso(y: number, m: number, d: number): string | undefined {
  if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1) return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1) return undefined;
  return date.toISOString().slice(0, 10);
}

function fixed(y: number, mo: number, d: number): ReturnType<Reader> {
  const value = iso(y, mo, d);
  return value === undefined ? undefined : { iso: value, ambiguous: false, alternative: undefined, decides: undefined };
}

function numeric(a: number, b: number, y: number, reading: { order: DateOrder; settled: boolean }): ReturnType<Reader> {
  const dmy = iso(y, b, a);
  const mdy = iso(y, a, b);
  if (dmy === undefined && mdy === undefined) return undefined;
  if (dmy === undefined || mdy === undefined) {
    // One number exceeds 12: the date settles the order by itself (and, for the caller, the document's).
    return { iso: (dmy ?? mdy)!, ambiguous: false, alternative: undefined, decides: dmy === undefined ? "mdy" : "dmy" };
  }
  const preferred = reading.order === "dmy" ? dmy : mdy;
  const other = reading.order === "dmy" ? mdy : dmy;
  const ambiguous = !reading.settled && preferred !== other;
  return { iso: preferred, ambiguous, alternative: ambiguous ? other : undefined, decides: undefined };
}
