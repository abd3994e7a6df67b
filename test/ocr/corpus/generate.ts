// The evaluation corpus: 48 invoices in eight locales (seven languages), four layouts, three
// fonts, six date styles, as text PDFs, clean and rotated PNGs, noisy JPEGs and scanned PDFs.
// Everything derives from one seed, so the documents need not be committed: truth.json holds
// what each one says, and a test checks this generator still produces exactly that.
import { layoutCells } from "./layouts.ts";
import type { Cell, InvoiceContent } from "./layouts.ts";
import { LOCALE_DATA, LOCALES } from "./locales.ts";
import type { Locale, LocaleId } from "./locales.ts";

export const DATE_STYLES = ["long", "loose", "abbr", "numeric", "short", "iso"] as const;
export type DateStyle = (typeof DATE_STYLES)[number];
export const FORMATS = ["pdf", "png", "jpeg", "scan-pdf"] as const;
export type Format = (typeof FORMATS)[number];
export const FONTS = ["sans", "serif", "mono"] as const;
export type Font = (typeof FONTS)[number];
export const LAYOUTS = ["classic", "banner", "letter", "compact"] as const;
export type Layout = (typeof LAYOUTS)[number];
export type Verdict = "verified" | "mismatch" | "unreadable";

/** What one corpus document says, and what the pipeline should conclude about it. */
export interface CorpusTruth {
  readonly id: string;
  readonly locale: LocaleId;
  readonly language: string;
  readonly layout: Layout;
  readonly format: Format;
  readonly font: Font;
  readonly dateStyle: DateStyle;
  /** Degrees of rotation and whether specks and a grey background were added (images only). */
  readonly scan: { readonly angle: number; readonly noise: boolean } | null;
  readonly vendor: string;
  readonly invoiceId: string;
  /** null for the documents that carry only a due date. */
  readonly invoiceDate: string | null;
  readonly total: number;
  readonly currency: string;
  readonly lineItems: readonly { readonly description: string; readonly quantity: number | null; readonly unitPrice: number; readonly amount: number }[];
  /** What the consumer entered when registering, and the verdict that should follow. */
  readonly purchaseDate: string;
  readonly verdict: Verdict;
}

/** A corpus document: its truth and the text it prints where. */
export interface CorpusDocument {
  readonly truth: CorpusTruth;
  readonly cells: readonly Cell[];
  readonly content: InvoiceContent;
}

const SEED = 20240515;
const DOCUMENTS = 48;
/** Documents that print no invoice date, only a due date: their verdict is unreadable. */
const DATELESS = new Set([10, 29]);
const DAY_MS = 86_400_000;

/** A small seeded generator (mulberry32): the same seed gives the same corpus on every machine. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The whole corpus, in id order. */
export function buildCorpus(): CorpusDocument[] {
  const random = seeded(SEED);
  return Array.from({ length: DOCUMENTS }, (_, i) => buildDocument(i, random));
}

/** How document `i` varies: locale, layout, date style and font cycle; the last two rounds are images. */
function variantOf(i: number, random: () => number) {
  const localeIndex = i % LOCALES.length;
  const round = Math.floor(i / LOCALES.length);
  const format: Format = round < 4 ? "pdf" : round === 4 ? (localeIndex % 2 ? "jpeg" : "png") : localeIndex % 2 ? "png" : "scan-pdf";
  const angle = format === "pdf" || (round === 4 && localeIndex % 2 === 0) ? 0 : Math.round((random() * 6 - 3) * 10) / 10;
  return {
    round,
    localeIndex,
    locale: LOCALE_DATA[LOCALES[localeIndex]!],
    layout: LAYOUTS[(localeIndex + round) % LAYOUTS.length]!,
    dateStyle: DATE_STYLES[(localeIndex + round) % DATE_STYLES.length]!,
    font: FONTS[(localeIndex * 2 + round) % FONTS.length]!,
    format,
    scan: format === "pdf" ? null : { angle, noise: format !== "png" },
  };
}

function itemsOf(i: number, locale: Locale, random: () => number) {
  return Array.from({ length: 1 + Math.floor(random() * 3) }, (_, k) => {
    const quantity = 1 + Math.floor(random() * 3);
    const unitPrice = Math.round((20 + random() * (k === 0 ? 1900 : 300)) * 100) / 100;
    return { description: locale.items[(i + k) % locale.items.length]!, quantity, unitPrice, amount: round2(quantity * unitPrice) };
  });
}

function buildDocument(i: number, random: () => number): CorpusDocument {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const { round, localeIndex, locale, layout, dateStyle, font, format, scan } = variantOf(i, random);
  // Days up to 12 half the time, so day and month could be swapped in numeric dates.
  const day = random() < 0.5 ? 1 + Math.floor(random() * 12) : 13 + Math.floor(random() * 16);
  const issued = Date.UTC(2014 + Math.floor(random() * 11), Math.floor(random() * 12), day);
  const [year, month] = [new Date(issued).getUTCFullYear(), new Date(issued).getUTCMonth()];
  const items = itemsOf(i, locale, random);
  const subtotal = round2(items.reduce((sum, item) => sum + item.amount, 0));
  const tax = round2(subtotal * locale.taxRate);
  const total = round2(subtotal + tax);
  const money = (amount: number) => formatMoney(amount, locale, round === 3 && locale.currency === "EUR");
  const vendor = pick(locale.vendors);
  const dated = !DATELESS.has(i);
  const invoiceId = `${["INV", "GX", "RE", "FA", "F", "FAC", "FT", "FT"][localeIndex]}-${year}-${100 + Math.floor(random() * 900)}`;
  const content: InvoiceContent = {
    locale, vendor, invoiceId,
    street: pick(locale.streets),
    customer: pick(locale.customers),
    person: pick(["Purchasing", "Accounts Payable", "J. Smith", "M. Weber"]),
    vatNumber: `${locale.id.slice(-2).toUpperCase()}${100000000 + Math.floor(random() * 899999999)}`,
    date: dated ? formatDate(issued, dateStyle, locale) : undefined,
    due: formatDate(issued + (round % 2 ? 30 : 14) * DAY_MS, dateStyle, locale),
    delivery: formatDate(issued + (round % 2 ? 2 : -3) * DAY_MS, "numeric", locale),
    period: `${formatDate(Date.UTC(year, month - 1, 1), "short", locale)}-${formatDate(Date.UTC(year, month, 0), "short", locale)}`,
    items: items.map((item) => ({ ...item, unitText: money(item.unitPrice), amountText: money(item.amount) })),
    subtotal: money(subtotal),
    tax: money(tax),
    total: money(total),
  };
  const mismatch = i % 7 === 3;
  const truth: CorpusTruth = {
    id: `${String(i + 1).padStart(2, "0")}-${locale.id}-${layout}-${format}`,
    locale: locale.id, language: locale.language, layout, format, font, dateStyle, scan, vendor, invoiceId,
    invoiceDate: dated ? isoOf(issued) : null,
    total,
    currency: locale.currency,
    lineItems: items.map((item) => ({ ...item, quantity: layout === "letter" ? null : item.quantity })),
    purchaseDate: isoOf(issued + (mismatch ? 45 : i % 3) * DAY_MS),
    verdict: !dated ? "unreadable" : mismatch ? "mismatch" : "verified",
  };
  return { truth, cells: layoutCells(layout, content), content };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function isoOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** An amount as the locale prints it: `$1,234.56`, `1.234,56 €`, `1 234,56 €`, `€ 1.234,56`, or with the ISO code. */
export function formatMoney(amount: number, locale: Locale, useCode: boolean): string {
  const [whole, cents] = amount.toFixed(2).split(".") as [string, string];
  const group = (sep: string) => whole.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  if (locale.currency === "USD") return `$${group(",")}.${cents}`;
  if (locale.currency === "GBP") return `£${group(",")}.${cents}`;
  const number = `${group(locale.id === "fr" || locale.id === "pt" ? " " : ".")},${cents}`;
  if (useCode) return `EUR ${number}`;
  return locale.id === "nl" || locale.id === "it" ? `€ ${number}` : `${number} €`;
}

/** A date as the locale writes it in `style` (see {@link DATE_STYLES}). */
export function formatDate(ms: number, style: DateStyle, locale: Locale): string {
  const date = new Date(ms);
  const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()];
  const dd = String(d).padStart(2, "0");
  const mm = String(m + 1).padStart(2, "0");
  const yy = String(y).slice(2);
  const name = locale.months[m]!;
  const short = locale.shortMonths[m]!;
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  const us = locale.id === "en-US";
  switch (style) {
    case "iso":
      return `${y}-${mm}-${dd}`;
    case "numeric":
      if (us) return `${mm}/${dd}/${y}`;
      return locale.id === "de" ? `${dd}.${mm}.${y}` : locale.id === "nl" || locale.id === "pt" ? `${dd}-${mm}-${y}` : `${dd}/${mm}/${y}`;
    case "short":
      if (us) return `${m + 1}/${d}/${yy}`;
      return locale.id === "de" ? `${dd}.${mm}.${yy}` : locale.id === "nl" ? `${dd}-${mm}-${yy}` : `${dd}/${mm}/${yy}`;
    case "long":
      if (us) return `${name} ${d}, ${y}`;
      if (locale.id === "de") return `${d}. ${name} ${y}`;
      if (locale.id === "es" || locale.id === "pt") return `${d} de ${name} de ${y}`;
      return `${locale.id === "fr" && d === 1 ? "1er" : d} ${name} ${y}`;
    case "loose":
      if (us) return `${name} ${d} , ${y}`;
      if (locale.id === "en-GB") return `${d}${ordinal(d)} ${name}, ${y}`;
      if (locale.id === "de") return `${d}.${name} ${y}`;
      return locale.id === "fr" || locale.id === "pt" ? `${dd} ${cap(name)} ${y}` : `${d} ${cap(name)}, ${y}`;
    case "abbr":
      if (us) return `${short} ${d}, ${y}`;
      return locale.id === "de" || locale.id === "fr" || locale.id === "it" ? `${d} ${short} ${y}`.replace(/^(\d+) /, locale.id === "de" ? "$1. " : "$1 ") : `${dd}-${short}-${y}`;
  }
}

function ordinal(d: number): string {
  if (d % 10 === 1 && d !== 11) return "st";
  if (d % 10 === 2 && d !== 12) return "nd";
  if (d % 10 === 3 && d !== 13) return "rd";
  return "th";
}
