import { cellSpans } from "./text.ts";
import type { TextLine } from "./types.ts";

/**
 * The cell of `to` in the same column as the character at `index` of `from`: by horizontal
 * overlap when both lines carry their layout, else by position when both have as many cells.
 * Used for labels above their values ("Invoice Date" over "05/03/2024") and the reverse.
 */
export function sameColumnCell(from: TextLine, index: number, to: TextLine): string | undefined {
  const fromSpans = cellSpans(from.text);
  const toSpans = cellSpans(to.text);
  const k = fromSpans.findIndex((s) => index < s.end);
  if (k < 0) return undefined;
  const source = from.cells?.length === fromSpans.length ? from.cells[k] : undefined;
  const targets = to.cells?.length === toSpans.length ? to.cells : undefined;
  if (source && targets) {
    const overlap = (c: { left: number; right: number }) => Math.min(c.right, source.right) - Math.max(c.left, source.left);
    let best: { text: string; overlap: number } | undefined;
    for (const cell of targets) {
      const o = overlap(cell);
      if (o > 0 && (best === undefined || o > best.overlap)) best = { text: cell.text, overlap: o };
    }
    return best?.text;
  }
  return fromSpans.length === toSpans.length ? toSpans[k]?.text : undefined;
}
