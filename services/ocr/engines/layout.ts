import { COLUMN_GAP } from "../extract/index.ts";
import type { PlacedCell, TextLine } from "../extract/index.ts";

/** A run of text with its box; `top` grows downwards. */
export interface PlacedText {
  readonly text: string;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly height: number;
  /** 0–1, for OCR words. */
  readonly confidence: number | undefined;
}

/** A horizontal gap wider than this many text heights separates table columns. */
const COLUMN_GAP_HEIGHTS = 1.2;

/**
 * Rebuilds reading-order lines from placed text: runs whose vertical centres lie within half
 * a text height form one line, ordered left to right; wide gaps become {@link COLUMN_GAP}.
 * Works the same for PDF text items and OCR words, so the parser sees one layout.
 */
export function buildLines(items: readonly PlacedText[]): TextLine[] {
  const sorted = items.filter((i) => i.text.trim() !== "").toSorted((a, b) => centre(a) - centre(b));
  const rows: PlacedText[][] = [];
  for (const item of sorted) {
    const row = rows.at(-1);
    const anchor = row?.[0];
    if (row && anchor && Math.abs(centre(item) - centre(anchor)) <= Math.max(anchor.height, item.height) / 2) row.push(item);
    else rows.push([item]);
  }
  return rows.map(joinRow);
}

function centre(item: PlacedText): number {
  return item.top + item.height / 2;
}

function joinRow(row: readonly PlacedText[]): TextLine {
  const ordered = row.toSorted((a, b) => a.left - b.left);
  const cells: { text: string; left: number; right: number }[] = [];
  let previous: PlacedText | undefined;
  for (const item of ordered) {
    const cell = cells.at(-1);
    const gap = previous ? item.left - previous.right : Infinity;
    if (cell && previous && gap <= COLUMN_GAP_HEIGHTS * Math.max(item.height, previous.height)) {
      cell.text += ` ${item.text.trim()}`;
      cell.right = Math.max(cell.right, item.right);
    } else {
      cells.push({ text: item.text.trim(), left: item.left, right: item.right });
    }
    previous = item;
  }
  const scores = ordered.map((i) => i.confidence).filter((c) => c !== undefined);
  const confidence = scores.length > 0 ? scores.reduce((a, b) => a + b, 0) / scores.length : undefined;
  const heights = ordered.map((i) => i.height).toSorted((a, b) => a - b);
  const placed: PlacedCell[] = cells;
  return { text: cells.map((c) => c.text).join(COLUMN_GAP), confidence, height: heights[Math.floor(heights.length / 2)] ?? 0, cells: placed };
}
