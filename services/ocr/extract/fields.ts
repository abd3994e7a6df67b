import { findDates } from "./dates.ts";
import type { DateOrder } from "./dates.ts";
import { extractLineItems } from "./line-items.ts";
import { findMoney } from "./money.ts";
import type { ParsedMoney } from "./money.ts";
import type { ExtractedField, InvoiceFields, TextLine } from "./types.ts";

/** Lines longer than this are cut before parsing, so no regex sees unbounded input. */
const MAX_LINE = 500;
const MAX_LINES = 5000;

const INVOICE_ID =
  /\b(?:invoice|inv|bill|receipt|rechnung)\.?\s*(?:no\.?|number|num\.?|nr\.?|#|id|s?-?nummer)\s*[:#.]?\s*([A-Z0-9][A-Z0-9\-/_.]{1,40})/i;
const INVOICE_ID_LABEL_ONLY = /^(?:invoice|inv|bill|receipt)\s*(?:no\.?|number|#|id)\s*[:#.]?$/i;
const INVOICE_DATE = /\b(?:invoice\s*date|date\s*of\s*(?:issue|invoice|purchase|sale)|issue\s*date|issued(?:\s*on)?|rechnungsdatum|datum|date)\b/gi;
const OTHER_DATE = /\b(due|delivery|delivered|ship(?:ped|ping)?|expir\w*|valid\w*|order\s*date|payment|period)\b/i;
const OTHER_DATE_BEFORE = /\b(due|delivery|ship\w*|order|expiry|payment|valid\w*|service)\s*$/i;
const TOTAL_LABELS: readonly (readonly [RegExp, number])[] = [
  [/\b(grand\s*total|invoice\s*total|total\s*(?:amount\s*)?due|amount\s*due|balance\s*due|total\s*payable|gesamtbetrag)\b/i, 3],
  [/\b(total(?:\s*amount)?|amount\s*paid|summe|gesamt)\b/i, 2],
];
const NOT_TOTAL = /\b(sub-?\s*total|net\s*total|total\s*(?:vat|tax|gst|discount|net|excl\w*)|tax|vat)\b/i;
const VENDOR_LABEL = /^\s*(?:vendor|seller|sold\s*by|supplier|merchant|from|issued\s*by|company)\s*[:-]\s*(.{2,80})$/i;
const COMPANY_SUFFIX = /\b(ltd|limited|gmbh|inc|llc|plc|ag|s\.?a\.?|s\.?r\.?l\.?|b\.?v\.?|pty|corp(?:oration)?|co\.|company|kg|oy|ab)\b\.?/i;
const NOT_VENDOR =
  /^(tax\s+)?invoice\b|^receipt\b|^bill\b|@|https?:|www\.|\b(tel|phone|fax|vat|iban|page|date|invoice|bill\s*to|ship\s*to|customer)\b|^\d/i;

/** Options for {@link extractInvoiceFields}. */
export interface ExtractOptions {
  readonly dateOrder: DateOrder;
}

/** Reads the invoice fields from document lines in reading order. */
export function extractInvoiceFields(input: readonly TextLine[], options: ExtractOptions): InvoiceFields {
  const lines = input.slice(0, MAX_LINES).map((l) => ({ ...l, text: l.text.slice(0, MAX_LINE) }));
  const total = findTotal(lines);
  const currency = total?.money.currency
    ? field(total.money.currency, total.line, total.money.text)
    : firstCurrency(lines);
  return {
    vendorName: findVendor(lines),
    invoiceId: findInvoiceId(lines),
    invoiceDate: findInvoiceDate(lines, options.dateOrder),
    total: total ? field(total.money.amount, total.line, total.money.text) : undefined,
    currency,
    lineItems: extractLineItems(lines),
  };
}

function field<T>(value: T, line: TextLine, text: string = line.text, alternatives?: readonly T[]): ExtractedField<T> {
  return alternatives && alternatives.length > 0
    ? { value, confidence: line.confidence, text, alternatives }
    : { value, confidence: line.confidence, text };
}

function findInvoiceId(lines: readonly TextLine[]): ExtractedField<string> | undefined {
  for (const [i, line] of lines.entries()) {
    const m = INVOICE_ID.exec(line.text);
    const id = m?.[1]?.replace(/[.\-/]+$/, "");
    if (id && /\d/.test(id)) return field(id, line, m![0]);
    const below = lines[i + 1];
    const value = below ? valueBelowLabel(line.text, below.text) : undefined;
    if (below && value) return field(value, below, value);
  }
  return undefined;
}

/** A label alone in its table cell (a header row) has its value in the same column of the next line. */
function valueBelowLabel(header: string, next: string): string | undefined {
  const labels = splitCells(header);
  const column = labels.findIndex((cell) => INVOICE_ID_LABEL_ONLY.test(cell));
  if (column < 0) return undefined;
  const cells = splitCells(next);
  const cell = cells.length === labels.length ? cells[column] : cells[0];
  const value = cell && /^([A-Z0-9][A-Z0-9\-/_.]{1,40})$/i.exec(cell)?.[1];
  return value && /\d/.test(value) ? value : undefined;
}

function splitCells(text: string): string[] {
  return text.split(/\s{2,}|\t/).map((c) => c.trim()).filter((c) => c !== "");
}

function findInvoiceDate(lines: readonly TextLine[], order: DateOrder): ExtractedField<string> | undefined {
  let fallback: ExtractedField<string> | undefined;
  for (const [i, line] of lines.entries()) {
    const label = [...line.text.matchAll(INVOICE_DATE)].find((m) => !OTHER_DATE_BEFORE.test(line.text.slice(0, m.index)));
    if (label) {
      // Read only the text after the label, so "Due: 1 Apr   Date: 5 Mar" picks the right one.
      const after = line.text.slice(label.index + label[0].length);
      const next = lines[i + 1];
      const date = findDates(after, order)[0] ?? (next && !OTHER_DATE.test(next.text) ? findDates(next.text, order)[0] : undefined);
      if (date) return field(date.iso, line, date.text, date.alternative ? [date.alternative] : undefined);
    }
    const date = findDates(line.text, order)[0];
    if (date && fallback === undefined && !OTHER_DATE.test(line.text)) {
      fallback = field(date.iso, line, date.text, date.alternative ? [date.alternative] : undefined);
    }
  }
  return fallback;
}

function findTotal(lines: readonly TextLine[]): { money: ParsedMoney; line: TextLine } | undefined {
  let best: { money: ParsedMoney; line: TextLine; rank: number } | undefined;
  for (const line of lines) {
    if (NOT_TOTAL.test(line.text.replace(/\b(incl\w*|inc\.)\s*(vat|tax|gst)\b/gi, ""))) continue;
    const rank = TOTAL_LABELS.find(([re]) => re.test(line.text))?.[1];
    if (rank === undefined) continue;
    const amounts = findMoney(line.text);
    const money = amounts.at(-1);
    // Later lines win on equal rank: the total follows the subtotal and taxes.
    if (money && (best === undefined || rank >= best.rank)) best = { money, line, rank };
  }
  return best;
}

function firstCurrency(lines: readonly TextLine[]): ExtractedField<string> | undefined {
  for (const line of lines) {
    const money = findMoney(line.text).find((m) => m.currency !== undefined);
    if (money?.currency) return field(money.currency, line, money.text);
  }
  return undefined;
}

function findVendor(lines: readonly TextLine[]): ExtractedField<string> | undefined {
  for (const line of lines) {
    const m = VENDOR_LABEL.exec(line.text);
    if (m) return field(firstCell(m[1]!), line);
  }
  const top = lines.slice(0, 10).map((l) => ({ line: l, name: firstCell(l.text) })).filter((c) => isVendorCandidate(c.name));
  const company = top.find((c) => COMPANY_SUFFIX.test(c.name));
  const chosen = company ?? top[0];
  return chosen ? field(chosen.name, chosen.line) : undefined;
}

function firstCell(text: string): string {
  return splitCells(text)[0] ?? "";
}

function isVendorCandidate(name: string): boolean {
  return name.length >= 3 && /[A-Za-z]{2}/.test(name) && !NOT_VENDOR.test(name) && findDates(name, "dmy").length === 0;
}
