/**
 * Lower-cases `text` and strips diacritics one character for one character, so an index into
 * the result is an index into the original: labels and month names are matched on the folded
 * text ("März", "Marz" and "MÄRZ" alike, since OCR drops accents) and cut from the original.
 */
export function fold(text: string): string {
  return text.replace(/[A-Z]|[^ -~\t\n\r]/g, (c) => {
    const lower = c.toLowerCase();
    const base = lower.normalize("NFD").charAt(0);
    // Only one unit for one keeps the indexes aligned; ß, œ and the like stay as they are.
    if (base.charCodeAt(0) < 0x80) return base;
    return lower.length === 1 ? lower : c;
  });
}

/** Splits a reconstructed line into its table cells. */
export function splitCells(text: string): string[] {
  return text.split(/\s{2,}|\t/).map((c) => c.trim()).filter((c) => c !== "");
}

/** A cell of a line with where it starts and ends in the line's text. */
export interface CellSpan {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** The cells of a line (see {@link splitCells}) with their offsets in `text`. */
export function cellSpans(text: string): CellSpan[] {
  return [...text.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ text: m[0], start: m.index, end: m.index + m[0].length }));
}
