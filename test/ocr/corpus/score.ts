// Scores engine results on the corpus against its truth: per-field accuracy and the confusion of
// verification verdicts. Shared by `npm run eval:ocr` and the tests that hold the accuracy floor.
import type { InvoiceExtraction } from "../../../services/ocr/engines/index.ts";
import { fold } from "../../../services/ocr/extract/index.ts";
import { verifyInvoice } from "../../../services/ocr/verify.ts";
import type { CorpusTruth, Verdict } from "./generate.ts";

/** The fields the evaluation reports. */
export const FIELDS = ["date", "number", "vendor", "total", "currency", "items"] as const;
export type Field = (typeof FIELDS)[number];
const VERDICTS: readonly Verdict[] = ["verified", "mismatch", "unreadable"];

/** The targets of issue 15, as fractions of the corpus. */
export const TARGETS: Readonly<Partial<Record<Field, number>>> = { date: 0.95, total: 0.9, currency: 0.9, vendor: 0.8 };
/** The tolerance the OCR worker uses by default (OCR_DATE_TOLERANCE_DAYS). */
export const TOLERANCE_DAYS = 7;

/** How one document came out. */
export interface DocumentScore {
  readonly truth: CorpusTruth;
  readonly correct: Readonly<Record<Field, boolean>>;
  readonly verdict: Verdict;
  /** What was read, for the failure listing. */
  readonly read: Readonly<Record<Field, string>>;
  /** The engine's confidence in the fields it reports one for. */
  readonly confidence: { readonly date: number | undefined; readonly total: number | undefined; readonly vendor: number | undefined };
}

/** Compares one extraction with its truth and runs the verification the worker would run. */
export function scoreDocument(truth: CorpusTruth, result: InvoiceExtraction): DocumentScore {
  const items = result.lineItems;
  const itemsRight =
    items.length === truth.lineItems.length &&
    truth.lineItems.every((t, k) => {
      const item = items[k];
      return item !== undefined && (item.quantity ?? null) === t.quantity && item.unitPrice === t.unitPrice && item.amount === t.amount;
    });
  const correct: Record<Field, boolean> = {
    date: (result.invoiceDate?.value ?? null) === truth.invoiceDate,
    number: result.invoiceId?.value === truth.invoiceId,
    vendor: result.vendorName !== undefined && sameName(result.vendorName.value, truth.vendor),
    total: result.total?.value === truth.total,
    currency: result.currency?.value === truth.currency,
    items: itemsRight,
  };
  const verification = verifyInvoice(result, { purchaseDate: truth.purchaseDate, modelNumber: "WM-1200", serialNumber: undefined }, { toleranceDays: TOLERANCE_DAYS });
  const read: Record<Field, string> = {
    date: String(result.invoiceDate?.value ?? "-"),
    number: String(result.invoiceId?.value ?? "-"),
    vendor: String(result.vendorName?.value ?? "-"),
    total: String(result.total?.value ?? "-"),
    currency: String(result.currency?.value ?? "-"),
    items: items.map((i) => `${i.quantity ?? "·"}×${i.unitPrice ?? "·"}=${i.amount ?? "·"}`).join(" "),
  };
  const confidence = { date: result.invoiceDate?.confidence, total: result.total?.confidence, vendor: result.vendorName?.confidence };
  return { truth, correct, verdict: verification.status, read, confidence };
}

/**
 * A vendor name matches when it is the same after folding case, accents and punctuation, or
 * differs by at most one character in ten (an OCR slip such as "Lld" for "Ltd").
 */
export function sameName(found: string, expected: string): boolean {
  const norm = (s: string) => fold(s).replace(/[^a-z0-9ß]/g, "");
  const [a, b] = [norm(found), norm(expected)];
  return a === b || distance(a, b) <= Math.floor(b.length / 10);
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Share of documents with each field right. */
export function accuracy(scores: readonly DocumentScore[]): Record<Field, number> {
  const share = (field: Field) => (scores.length === 0 ? 0 : scores.filter((s) => s.correct[field]).length / scores.length);
  return Object.fromEntries(FIELDS.map((f) => [f, share(f)])) as Record<Field, number>;
}

/** Documents verified although the date read is not the invoice date: must be none. */
export function verifiedWithWrongDate(scores: readonly DocumentScore[]): DocumentScore[] {
  return scores.filter((s) => s.verdict === "verified" && !s.correct.date);
}

/** The verdict confusion, truth in rows and the pipeline's verdict in columns, as printable lines. */
export function confusionLines(scores: readonly DocumentScore[]): string[] {
  const cell = (t: Verdict, p: Verdict) => scores.filter((s) => s.truth.verdict === t && s.verdict === p).length;
  return [
    `${"truth \\ verdict".padEnd(16)}${VERDICTS.map((v) => v.padStart(12)).join("")}`,
    ...VERDICTS.map((t) => `${t.padEnd(16)}${VERDICTS.map((p) => String(cell(t, p)).padStart(12)).join("")}`),
  ];
}

/** One line of per-field percentages with the number of documents. */
export function accuracyLine(label: string, scores: readonly DocumentScore[], fields: readonly Field[] = FIELDS): string {
  const acc = accuracy(scores);
  return `${label.padEnd(22)}${String(scores.length).padStart(4)}  ${fields.map((f) => `${f} ${(acc[f] * 100).toFixed(1).padStart(5)}%`).join("  ")}`;
}
