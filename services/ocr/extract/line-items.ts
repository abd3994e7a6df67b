import { findMoney, parseNumber } from "./money.ts";
import { cellSpans, fold } from "./text.ts";
import type { LineItem, PlacedCell, TextLine } from "./types.ts";

/** What a column of the item table holds. */
type Column = "description" | "quantity" | "unitPrice" | "amount" | "other";

// Checked in this order on a folded header cell: "unit price" before "price", "price" before "total".
const COLUMN_WORDS: readonly (readonly [Column, RegExp])[] = [
  ["unitPrice", /\b(unit\s*(?:price|cost)|price|rate|each|einzelpreis|e-?preis|preis|prix|p\.\s*u\.?|prijs|stukprijs|precio|prezzo|preco|valor\s*unit\w*)\b/],
  ["quantity", /\b(qty|quantity|menge|anzahl|qte|quantite|aantal|cantidad|cant\.?|quantita|qta|quantidade|qtd|units|hrs|hours|stk|stuks)\b/],
  ["other", /\b(vat|tax|mwst|ust|tva|btw|iva|code|sku|ref|pos|uom|unit|einheit|unite|eenheid|unidad|unita|unidade)\b|%|^#$|^no\.?$/],
  ["amount", /\b(amount|total|line\s*total|betrag|gesamt\w*|summe|montant|bedrag|totaal|importe|importo|totale|valor|subtotal)\b/],
  ["description", /\b(description|item|article|product|service|details|bezeichnung|artikel|beschreibung|leistung|designation|libelle|produit|omschrijving|descripcion|concepto|articulo|descrizione|articolo|prodotto|descricao|artigo|produto|servico)\b/],
];
const TABLE_END =
  /^\s*(sub-?\s*total|total|grand\s*total|invoice\s*total|tax|sales\s*tax|vat|gst|amount\s*due|balance|net|summe|gesamt|zwischensumme|mwst|ust|netto|thank|danke|vielen|sous-?\s*total|tva|montant|merci|subtotaal|totaal|btw|bedankt|base\s*imponible|iva|gracias|imponibile|totale|grazie|obrigado|payment|zahlbar|iban)\b/;
const MAX_ITEMS = 200;

interface HeaderColumn {
  readonly column: Column;
  /** The header cell's extent, when the layout is known. */
  readonly placed: PlacedCell | undefined;
}

/**
 * Reads the item table: the rows between a header naming a description and a number column
 * (in any of the seven languages) and the first subtotal/total/tax line. Each number of a row
 * goes to the header column above it when the layout is known; otherwise numbers before the
 * description fill the columns left of it and numbers after it fill the columns right of it,
 * right-aligned, so a row without a quantity never puts its amount there.
 */
export function extractLineItems(lines: readonly TextLine[]): LineItem[] {
  for (const [i, line] of lines.entries()) {
    const columns = headerColumns(line);
    if (!columns) continue;
    const items: LineItem[] = [];
    for (const row of lines.slice(i + 1)) {
      if (TABLE_END.test(fold(row.text)) || items.length >= MAX_ITEMS) break;
      const item = readRow(row, columns);
      if (item) items.push(item);
    }
    return items;
  }
  return [];
}

function headerColumns(line: TextLine): HeaderColumn[] | undefined {
  const spans = cellSpans(line.text);
  const placed = line.cells?.length === spans.length ? line.cells : undefined;
  const columns = spans.map((span, k): HeaderColumn => ({ column: classify(span.text), placed: placed?.[k] }));
  const kinds = new Set(columns.map((c) => c.column));
  const numeric = kinds.has("quantity") || kinds.has("unitPrice") || kinds.has("amount");
  if (kinds.has("description") && numeric) return columns;
  // OCR may run a header's words together into one cell: read its words as the columns.
  if (spans.length === 1 && /\s/.test(line.text.trim())) {
    const words = line.text.trim().split(/\s+/).map((w): HeaderColumn => ({ column: classify(w), placed: undefined }));
    const wordKinds = new Set(words.map((w) => w.column));
    if (wordKinds.has("description") && (wordKinds.has("quantity") || wordKinds.has("amount"))) return words;
  }
  return undefined;
}

function classify(cell: string): Column {
  const folded = fold(cell);
  return COLUMN_WORDS.find(([, re]) => re.test(folded))?.[0] ?? "description";
}

function readRow(row: TextLine, columns: readonly HeaderColumn[]): LineItem | undefined {
  const spans = cellSpans(row.text);
  const placed = row.cells?.length === spans.length && columns.every((c) => c.placed) ? row.cells : undefined;
  const values: Partial<Record<Column, number>> = {};
  const text: string[] = [];
  const before: number[] = [];
  const after: number[] = [];
  for (const [k, span] of spans.entries()) {
    const value = cellNumber(span.text);
    const cell = placed?.[k];
    const column = cell ? columnUnder(cell, columns) : undefined;
    if (value === undefined || column === "description") text.push(span.text);
    else if (column !== undefined) values[column] ??= value;
    else (text.length === 0 ? before : after).push(value);
  }
  if (text.length === 0) return undefined;
  let description = text.join(" ");
  if (Object.keys(values).length === 0 && after.length === 0) {
    // A single-spaced OCR row ("Kettle K2 1 $25.00") keeps its numbers at the end of the text.
    const split = splitTrailingNumbers(description);
    description = split.text;
    after.push(...split.numbers);
  }
  assignLoose(values, before, after, columns);
  if (values.amount === undefined && values.unitPrice === undefined) return undefined;
  return { description, quantity: values.quantity, unitPrice: values.unitPrice, amount: values.amount };
}

/** The header column with the most horizontal overlap, else the nearest by centre. */
function columnUnder(cell: PlacedCell, columns: readonly HeaderColumn[]): Column | undefined {
  const centre = (c: PlacedCell) => (c.left + c.right) / 2;
  let best: { column: Column; distance: number } | undefined;
  for (const { column, placed } of columns) {
    if (!placed) continue;
    const overlap = Math.min(cell.right, placed.right) - Math.max(cell.left, placed.left);
    const distance = overlap > 0 ? -overlap : Math.abs(centre(cell) - centre(placed));
    if (best === undefined || distance < best.distance) best = { column, distance };
  }
  return best?.column;
}

/** Numbers before the description fill the numeric columns left of it; those after, right-aligned, the ones right of it. */
function assignLoose(values: Partial<Record<Column, number>>, before: readonly number[], after: readonly number[], columns: readonly HeaderColumn[]): void {
  const descriptionAt = columns.findIndex((c) => c.column === "description");
  const left = columns.slice(0, Math.max(0, descriptionAt)).map((c) => c.column).filter((c) => c !== "description");
  const right = columns.slice(descriptionAt + 1).map((c) => c.column).filter((c) => c !== "description");
  for (const [k, value] of before.entries()) {
    const column = left[k];
    if (column !== undefined) values[column] = value;
  }
  const offset = right.length - after.length;
  for (const [k, value] of after.entries()) {
    const column = right[offset + k] ?? (offset < 0 ? undefined : right[k]);
    if (column !== undefined && values[column] === undefined) values[column] = value;
  }
}

function splitTrailingNumbers(text: string): { text: string; numbers: number[] } {
  const m = /^(.*?\p{L}.*?)((?:\s+[^\s\p{L}]*\d[\d.,]*[^\s\p{L}]*)+)\s*$/u.exec(text);
  const numbers = m ? m[2]!.trim().split(/\s+/).map(cellNumber) : [];
  if (!m || numbers.some((n) => n === undefined)) return { text, numbers: [] };
  return { text: m[1]!.trim(), numbers: numbers as number[] };
}

function cellNumber(cell: string): number | undefined {
  const money = findMoney(cell);
  if (money.length === 1 && money[0]!.text.length >= cell.replace(/\s/g, "").length - 1) return money[0]!.amount;
  return /^[\d.,]+$/.test(cell) ? parseNumber(cell) : undefined;
}
