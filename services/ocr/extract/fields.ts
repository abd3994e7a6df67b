import { findDates } from "./dates.ts";
import type { DateOrder, DateReading, ParsedDate } from "./dates.ts";
import { dateLabels, DOCUMENT_THEN_NUMBER, GRAND_TOTAL, INCLUDING_TAX, INVOICE_NUMBER_LABEL, NOT_TOTAL, TOTAL } from "./labels.ts";
import type { DateLabelKind } from "./labels.ts";
import { detectLanguage, documentDateReading } from "./language.ts";
import { extractLineItems } from "./line-items.ts";
import { findMoney } from "./money.ts";
import type { ParsedMoney } from "./money.ts";
import { sameColumnCell } from "./table.ts";
import { fold } from "./text.ts";
import type { ExtractedField, InvoiceFields, TextLine } from "./types.ts";
import { findVendor } from "./vendor.ts";

/** Lines longer than this are cut before parsing, so no regex sees unbounded input. */
const MAX_LINE = 500;
const MAX_LINES = 5000;

const ID_VALUE = /^\s*[:#.]?\s*([A-Z0-9][A-Z0-9\-/_.]{1,40})/i;
/** How much a label makes a date the issue date; `other` labels (due, delivery, period) exclude it. */
const LABEL_SCORE: Readonly<Record<Exclude<DateLabelKind, "other">, number>> = { strong: 5, number: 4, weak: 4 };
const UNLABELLED_SCORE = 1;
export interface ExtractOptions {
  /** The day/month order used when the document itself does not settle it. */
  readonly dateOrder: DateOrder;
}

/** Reads the invoice fields from document lines in reading order. */
export function extractInvoiceFields(input: readonly TextLine[], options: ExtractOptions): InvoiceFields {
  const lines = input.slice(0, MAX_LINES).map((l) => ({ ...l, text: l.text.slice(0, MAX_LINE) }));
  const text = lines.map((l) => l.text).join("\n");
  const language = detectLanguage(text);
  const total = findTotal(lines);
  const currency = total?.money.currency
    ? field(total.money.currency, total.line, total.money.text)
    : firstCurrency(lines);
  const reading = documentDateReading(text, language, currency?.value, options.dateOrder);
  return {
    vendorName: findVendor(lines),
    invoiceId: findInvoiceId(lines),
    invoiceDate: findInvoiceDate(lines, reading),
    total: total ? field(total.money.amount, total.line, total.money.text) : undefined,
    currency,
    lineItems: extractLineItems(lines),
    language,
  };
}

function field<T>(value: T, line: TextLine, text: string = line.text, alternatives?: readonly T[]): ExtractedField<T> {
  return alternatives && alternatives.length > 0
    ? { value, confidence: line.confidence, text, alternatives }
    : { value, confidence: line.confidence, text };
}

function findInvoiceId(lines: readonly TextLine[]): ExtractedField<string> | undefined {
  return findLabelledId(lines, INVOICE_NUMBER_LABEL) ?? findLabelledId(lines, DOCUMENT_THEN_NUMBER);
}

function findLabelledId(lines: readonly TextLine[], labels: RegExp): ExtractedField<string> | undefined {
  for (const [i, line] of lines.entries()) {
    for (const label of fold(line.text).matchAll(labels)) {
      const m = ID_VALUE.exec(line.text.slice(label.index + label[0].length));
      const id = m?.[1]?.replace(/[.\-/]+$/, "");
      if (id && /\d/.test(id)) return field(id, line, `${label[0]}${m![0]}`.trim());
    }
    const below = lines[i + 1];
    const value = below ? valueBelowLabel(line, below) : undefined;
    if (below && value) return field(value, below, value);
  }
  return undefined;
}

/** A label alone in its table cell (a header row) has its value in the same column of the next line. */
function valueBelowLabel(header: TextLine, next: TextLine): string | undefined {
  for (const label of fold(header.text).matchAll(INVOICE_NUMBER_LABEL)) {
    const cell = sameColumnCell(header, label.index, next);
    const value = cell && /^([A-Z0-9][A-Z0-9\-/_.]{1,40})$/i.exec(cell)?.[1];
    if (value && /\d/.test(value)) return value;
  }
  return undefined;
}

interface DateCandidate {
  readonly date: ParsedDate;
  readonly line: TextLine;
  readonly score: number;
}

/**
 * The issue date: a date after an invoice-date label wins over one after a bare "date" label or
 * an invoice-number label ("Facture n° 12 du …"), which win over an unlabelled date. Dates after
 * due, delivery, order or period labels, and either end of a period, are never taken. A label
 * may also stand in the same column of the line above ("Invoice Date" over "05/03/2024").
 */
function findInvoiceDate(lines: readonly TextLine[], reading: DateReading): ExtractedField<string> | undefined {
  let best: DateCandidate | undefined;
  for (const [i, line] of lines.entries()) {
    const labels = dateLabels(fold(line.text));
    let previousEnd = 0;
    for (const date of findDates(line.text, reading)) {
      const label = labels.filter((l) => l.end <= date.index && l.index >= previousEnd).at(-1);
      previousEnd = date.end;
      if (date.range) continue;
      const kind = label?.kind ?? labelAbove(lines[i - 1], line, date.index) ?? (labels.some((l) => l.kind === "other") ? "other" : undefined);
      if (kind === "other") continue;
      const score = kind === undefined ? UNLABELLED_SCORE : LABEL_SCORE[kind];
      if (best === undefined || score > best.score) best = { date, line, score };
    }
  }
  if (!best) return undefined;
  const { date, line } = best;
  return field(date.iso, line, date.text, date.alternative ? [date.alternative] : undefined);
}

function labelAbove(above: TextLine | undefined, line: TextLine, index: number): DateLabelKind | undefined {
  if (!above) return undefined;
  const cell = sameColumnCell(line, index, above);
  // Only a label without a value of its own heads the column; a whole line only when it is nothing else ("Factuurdatum:").
  const heading = cell ?? above.text;
  if (findDates(heading, "dmy").length > 0 || (cell === undefined && !/^[^\d]{0,40}$/.test(heading.trim()))) return undefined;
  return dateLabels(fold(heading)).at(-1)?.kind;
}

function findTotal(lines: readonly TextLine[]): { money: ParsedMoney; line: TextLine } | undefined {
  let best: { money: ParsedMoney; line: TextLine; rank: number } | undefined;
  for (const [i, line] of lines.entries()) {
    const folded = fold(line.text).replace(INCLUDING_TAX, (m) => " ".repeat(m.length));
    const grand = GRAND_TOTAL.exec(folded);
    if (!grand && NOT_TOTAL.test(folded)) continue;
    const label = grand ?? TOTAL.exec(folded);
    if (!label) continue;
    const rank = grand ? 3 : 2;
    const money = findMoney(withoutDates(line.text).slice(label.index + label[0].length)).at(-1) ?? moneyBelow(line, lines[i + 1], label.index);
    // Later lines win on equal rank: the total follows the subtotal and taxes.
    if (money && (best === undefined || rank >= best.rank)) best = { money, line, rank };
  }
  return best;
}

/**
 * The amount under a total label that heads its column (labels in one row, values in the next),
 * or on the next line when OCR broke the label's line in two ("Total" / "a pagar 6.064,58 €").
 */
function moneyBelow(line: TextLine, below: TextLine | undefined, index: number): ParsedMoney | undefined {
  if (!below) return undefined;
  const cell = sameColumnCell(line, index, below);
  if (cell !== undefined) return findMoney(cell).at(-1);
  const folded = fold(below.text);
  if (GRAND_TOTAL.test(folded) || TOTAL.test(folded) || NOT_TOTAL.test(folded)) return undefined;
  // Only an amount with cents: a stray number on the next line (a page number, a quantity) is no total.
  return findMoney(withoutDates(below.text)).filter((m) => /[.,]\d{2}(?!\d)/.test(m.text)).at(-1);
}

/** `text` with its dates blanked, so "Te betalen vóór 28-04-2014" yields no amount. */
function withoutDates(text: string): string {
  let out = text;
  for (const d of findDates(text, "dmy")) out = out.slice(0, d.index) + " ".repeat(d.end - d.index) + out.slice(d.end);
  return out;
}

function firstCurrency(lines: readonly TextLine[]): ExtractedField<string> | undefined {
  for (const line of lines) {
    const money = findMoney(line.text).find((m) => m.currency !== undefined);
    if (money?.currency) return field(money.currency, line, money.text);
  }
  return undefined;
}
