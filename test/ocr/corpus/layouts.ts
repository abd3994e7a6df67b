// Four invoice layouts the corpus varies over: where the vendor, addressee, dates, table and
// totals sit on an A4 page (points from the top left).
import type { Locale } from "./locales.ts";

/** A piece of text on the page; `align: "right"` puts its right edge at `x`. */
export interface Cell {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly size?: number;
  readonly align?: "left" | "right";
}

/** The printed values of one invoice. */
export interface InvoiceContent {
  readonly locale: Locale;
  readonly vendor: string;
  readonly street: string;
  readonly customer: string;
  readonly person: string;
  readonly vatNumber: string;
  readonly invoiceId: string;
  /** Undefined for an invoice that prints only its due date. */
  readonly date: string | undefined;
  readonly due: string;
  readonly delivery: string;
  readonly period: string;
  readonly items: readonly { readonly description: string; readonly quantity: number; readonly unitText: string; readonly amountText: string }[];
  readonly subtotal: string;
  readonly tax: string;
  readonly total: string;
}

const ROW = 18;
const RIGHT = 545;

const at = (text: string, x: number, y: number, size?: number, align?: "left" | "right"): Cell => ({ text, x, y, ...(size ? { size } : {}), ...(align ? { align } : {}) });

/** The cells of `content` laid out as `layout`. */
export function layoutCells(layout: "classic" | "banner" | "letter" | "compact", content: InvoiceContent): Cell[] {
  switch (layout) {
    case "classic":
      return classic(content);
    case "banner":
      return banner(content);
    case "letter":
      return letter(content);
    case "compact":
      return compact(content);
  }
}

/** Vendor logo top left, meta block top right, addressee left, table, totals, registration footer. */
function classic(c: InvoiceContent): Cell[] {
  const l = c.locale.labels;
  const meta = [`${l.invoiceNo}: ${c.invoiceId}`, ...(c.date ? [`${l.invoiceDate}: ${c.date}`] : []), `${l.due}: ${c.due}`];
  const tableTop = 200;
  return [
    at(c.vendor, 50, 60, 18),
    at(c.street, 50, 78, 9),
    at(l.title, RIGHT, 60, 14, "right"),
    ...meta.map((text, k) => at(text, 320, 110 + k * 16)),
    at(`${l.billTo}:`, 50, 110),
    at(c.customer, 50, 126),
    at(c.locale.streets.at(-1)!, 50, 142, 9),
    ...table(c, tableTop, ["description", "quantity", "unit", "amount"]),
    ...totals(c, tableTop + (c.items.length + 2) * ROW),
    at(`${c.vendor} · ${l.vatId} ${c.vatNumber}`, 50, 790, 8),
  ];
}

/** Title as the biggest text, vendor at the right, an ATTN line naming the customer company, labels above values, quantity first. */
function banner(c: InvoiceContent): Cell[] {
  const l = c.locale.labels;
  const labels = [l.invoiceNo, ...(c.date ? [l.invoiceDate] : []), l.due];
  const values = [c.invoiceId, ...(c.date ? [c.date] : []), c.due];
  const tableTop = 230;
  return [
    at(l.title, 50, 60, 24),
    at(c.vendor, 300, 56, 12),
    at(c.street, 300, 72, 8),
    at(`${l.attn} ${c.person}, ${c.customer}`, 50, 110),
    at(c.locale.streets.at(-1)!, 50, 126, 9),
    ...labels.map((text, k) => at(text, 50 + k * 170, 170, 9)),
    ...values.map((text, k) => at(text, 50 + k * 170, 186)),
    ...table(c, tableTop, ["quantity", "description", "unit", "amount"]),
    ...totals(c, tableTop + (c.items.length + 2) * ROW),
    at(l.thanks, 50, 760, 9),
    at(`${c.vendor}, ${c.street} - ${l.vatId} ${c.vatNumber}`, 50, 790, 7),
  ];
}

/** Business letter: small sender line over the addressee, date block at the right, service period, no quantity column. */
function letter(c: InvoiceContent): Cell[] {
  const l = c.locale.labels;
  const tableTop = 260;
  const end = tableTop + (c.items.length + 2) * ROW;
  return [
    at(c.vendor, RIGHT, 60, 14, "right"),
    at(`${c.vendor} · ${c.street}`, 50, 118, 7),
    at(c.customer, 50, 140),
    at(`${l.attn} ${c.person}`, 50, 154),
    at(c.locale.streets.at(-1)!, 50, 168, 9),
    ...(c.date ? [at(`${l.date}: ${c.date}`, 340, 140)] : []),
    at(`${l.invoiceNo}: ${c.invoiceId}`, 340, 156),
    at(`${l.delivery}: ${c.delivery}`, 340, 172),
    at(`${l.period}: ${c.period}`, 50, 220),
    ...table(c, tableTop, ["description", "unit", "amount"]),
    ...totals(c, end),
    at(l.payBy.replace("{date}", c.due), 50, end + 4 * ROW),
    at(`${c.vendor} · ${l.vatId} ${c.vatNumber}`, 50, 790, 8),
  ];
}

/** One column: vendor, "Facture n° … du …" in a sentence, delivery date, the payment deadline after the totals. */
function compact(c: InvoiceContent): Cell[] {
  const l = c.locale.labels;
  const tableTop = 200;
  const end = tableTop + (c.items.length + 2) * ROW;
  return [
    at(c.vendor, 50, 60, 16),
    at(c.street, 50, 76, 9),
    at(c.date ? l.numberedOn.replace("{no}", c.invoiceId).replace("{date}", c.date) : `${l.invoiceNo} ${c.invoiceId}`, 50, 110, 12),
    at(`${l.delivery}: ${c.delivery}`, 50, 128),
    at(`${l.billTo}: ${c.customer}`, 50, 152),
    ...table(c, tableTop, ["description", "quantity", "unit", "amount"]),
    ...totals(c, end),
    at(l.payBy.replace("{date}", c.due), 50, end + 4 * ROW),
    at(`${c.vendor} - ${l.vatId} ${c.vatNumber}`, 50, 790, 8),
  ];
}

type Column = "description" | "quantity" | "unit" | "amount";

function table(c: InvoiceContent, top: number, columns: readonly Column[]): Cell[] {
  const l = c.locale.labels;
  const qtyFirst = columns[0] === "quantity";
  const place: Record<Column, { x: number; align: "left" | "right" }> = {
    quantity: qtyFirst ? { x: 50, align: "left" } : { x: 330, align: "right" },
    description: { x: qtyFirst ? 130 : 50, align: "left" },
    unit: { x: 440, align: "right" },
    amount: { x: RIGHT, align: "right" },
  };
  const header: Record<Column, string> = { description: l.description, quantity: l.quantity, unit: l.unitPrice, amount: l.amount };
  const cells = columns.map((col) => at(header[col], place[col].x, top, 10, place[col].align));
  for (const [k, item] of c.items.entries()) {
    const value: Record<Column, string> = { description: item.description, quantity: String(item.quantity), unit: item.unitText, amount: item.amountText };
    cells.push(...columns.map((col) => at(value[col], place[col].x, top + (k + 1) * ROW, 10, place[col].align)));
  }
  return cells;
}

function totals(c: InvoiceContent, top: number): Cell[] {
  const l = c.locale.labels;
  return [
    [l.subtotal, c.subtotal],
    [l.tax, c.tax],
    [l.total, c.total],
  ].flatMap(([label, value], k) => [at(label!, 320, top + k * ROW, k === 2 ? 11 : 10), at(value!, RIGHT, top + k * ROW, k === 2 ? 11 : 10, "right")]);
}
