import { findMoney, parseNumber } from "./money.ts";
import type { LineItem, TextLine } from "./types.ts";

const HEADER = /\b(description|item|article|product|bezeichnung|artikel)\b/i;
const HEADER_NUMBERS = /\b(qty|quantity|amount|price|total|menge|betrag|preis)\b/i;
const TABLE_END = /^\s*(sub-?total|total|grand\s*total|invoice\s*total|tax|sales\s*tax|vat|gst|amount\s*due|balance|net|summe|gesamt|mwst|thank)\b/i;
const MAX_ITEMS = 200;

/**
 * Reads the item table: the rows between a header naming a description and a number column,
 * and the first subtotal/total/tax line. Cells are split on column gaps; the first text
 * cell is the description, the numbers after it are read as quantity, unit price, amount
 * (two numbers: quantity and amount; one: amount).
 */
export function extractLineItems(lines: readonly TextLine[]): LineItem[] {
  const header = lines.findIndex((l) => HEADER.test(l.text) && HEADER_NUMBERS.test(l.text));
  if (header < 0) return [];
  const items: LineItem[] = [];
  for (const line of lines.slice(header + 1)) {
    if (TABLE_END.test(line.text) || items.length >= MAX_ITEMS) break;
    const item = readRow(line.text);
    if (item) items.push(item);
  }
  return items;
}

function readRow(text: string): LineItem | undefined {
  const cells = text.split(/\s{2,}|\t/).map((c) => c.trim()).filter((c) => c !== "");
  const descriptionCells: string[] = [];
  const numbers: number[] = [];
  for (const cell of cells) {
    const value = numbers.length > 0 || descriptionCells.length > 0 ? cellNumber(cell) : undefined;
    if (value !== undefined) numbers.push(value);
    else if (numbers.length === 0) descriptionCells.push(cell);
  }
  if (descriptionCells.length === 0 || numbers.length === 0) return readUnsplitRow(text);
  return toItem(descriptionCells.join(" "), numbers);
}

/** A row without column gaps (single-spaced OCR text): trailing numbers are the columns. */
function readUnsplitRow(text: string): LineItem | undefined {
  // Number tokens may carry a currency symbol but no letters, so "K2" stays in the description.
  const m = /^(.*?[A-Za-z].*?)((?:\s+[^\sA-Za-z]*\d[\d.,]*[^\sA-Za-z]*){1,3})\s*$/.exec(text.trim());
  if (!m) return undefined;
  const numbers = m[2]!.trim().split(/\s+/).map(cellNumber);
  if (numbers.some((n) => n === undefined)) return undefined;
  return toItem(m[1]!.trim(), numbers as number[]);
}

function cellNumber(cell: string): number | undefined {
  const money = findMoney(cell);
  if (money.length === 1 && money[0]!.text.length >= cell.replace(/\s/g, "").length - 1) return money[0]!.amount;
  return /^[\d.,]+$/.test(cell) ? parseNumber(cell) : undefined;
}

function toItem(description: string, numbers: readonly number[]): LineItem | undefined {
  if (numbers.length === 1) return { description, quantity: undefined, unitPrice: undefined, amount: numbers[0] };
  if (numbers.length === 2) return { description, quantity: numbers[0], unitPrice: undefined, amount: numbers[1] };
  const [quantity, unitPrice, amount] = numbers.slice(-3);
  return { description, quantity, unitPrice, amount };
}
