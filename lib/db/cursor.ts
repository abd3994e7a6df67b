import { AppError } from "../errors/index.ts";

/**
 * Opaque cursors for keyset pagination: the sort key of a page's last row, base64url-encoded so
 * clients treat it as a token rather than something to build. Keys are passed back to SQL as text
 * and cast there, so a timestamptz keeps its microseconds (a JavaScript Date would drop them).
 */

const SEPARATOR = "\u001f";

/** Encodes the sort key `parts` of the last row of a page. */
export function encodeCursor(parts: readonly string[]): string {
  return Buffer.from(parts.join(SEPARATOR)).toString("base64url");
}

/**
 * The parts of `cursor`, one per pattern in `shapes`, each matching its pattern so SQL casts
 * cannot fail on them; `CURSOR_INVALID` (400) for a cursor this API did not hand out.
 */
export function decodeCursor(cursor: string, shapes: readonly RegExp[]): string[] {
  const parts = Buffer.from(cursor, "base64url").toString("utf8").split(SEPARATOR);
  if (parts.length !== shapes.length || parts.some((part, i) => part === "" || !(shapes[i]?.test(part) ?? false))) {
    throw new AppError("CURSOR_INVALID", "the cursor is not one this API returned", { status: 400, details: { cursor } });
  }
  return parts;
}

/** Shapes of common cursor parts. */
export const CURSOR_PART = {
  any: /^[\s\S]+$/,
  bigint: /^[0-9]{1,18}$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /** PostgreSQL's text form of a timestamptz, such as `2026-05-01 10:00:00.123456+00`. */
  timestamptz: /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d){0,2}$/,
} as const;

/** A page of `items` and, when more rows follow, the cursor of the next page. */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/**
 * Cuts `rows`, fetched with `limit + 1`, to a page: the extra row only tells that another page
 * exists, and the cursor is the key of the last row shown.
 */
export function pageOf<R, T>(rows: readonly R[], limit: number, key: (row: R) => string[], view: (row: R) => T): Page<T> {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  const items = shown.map(view);
  return rows.length > limit && last !== undefined ? { items, nextCursor: encodeCursor(key(last)) } : { items };
}
