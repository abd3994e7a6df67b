import type { InvoiceExtraction } from "./engines/index.ts";

/** What the consumer entered when registering the product. */
export interface RegistrationEntries {
  /** `YYYY-MM-DD`. */
  readonly purchaseDate: string;
  readonly modelNumber: string;
  readonly serialNumber: string | undefined;
}

/** One field where the invoice disagrees with the registration. */
export interface Difference {
  readonly field: "invoiceDate";
  readonly entered: string;
  readonly found: string;
  readonly message: string;
}

/** Whether a registered identifier was found in the invoice text. */
export type PresenceCheck = "found" | "not-found" | "not-entered";

interface Checks {
  readonly modelNumber: PresenceCheck;
  readonly serialNumber: PresenceCheck;
}

/** The outcome stored with the product and shown on the warranty card. */
export type Verification =
  | (Checks & { readonly status: "verified"; readonly invoiceDate: string })
  | (Checks & { readonly status: "mismatch"; readonly differences: readonly Difference[] })
  | (Checks & { readonly status: "unreadable"; readonly reason: string });

const DAY_MS = 86_400_000;

/**
 * Checks an extraction against the registration. The invoice date decides the status:
 * within `toleranceDays` of the purchase date is `verified` (either reading of an ambiguous
 * dd/mm date counts), outside it `mismatch`, absent `unreadable`. Model and serial numbers
 * are reported as found or not without deciding the status: many invoices name neither.
 */
export function verifyInvoice(
  extraction: InvoiceExtraction,
  entries: RegistrationEntries,
  options: { readonly toleranceDays: number },
): Verification {
  const checks: Checks = {
    modelNumber: presence(extraction.text, entries.modelNumber),
    serialNumber: presence(extraction.text, entries.serialNumber),
  };
  const date = extraction.invoiceDate;
  if (date === undefined) {
    const reason = extraction.text.trim() === "" ? "no text could be read" : "no invoice date found";
    return { status: "unreadable", reason, ...checks };
  }
  const readings = [date.value, ...(date.alternatives ?? [])];
  const match = readings.find((d) => Math.abs(daysBetween(d, entries.purchaseDate)) <= options.toleranceDays);
  if (match !== undefined) return { status: "verified", invoiceDate: match, ...checks };
  const days = daysBetween(date.value, entries.purchaseDate);
  const message = `invoice date ${date.value} is ${Math.abs(days)} days ${days < 0 ? "before" : "after"} the purchase date (tolerance ${options.toleranceDays} days)`;
  return {
    status: "mismatch",
    differences: [{ field: "invoiceDate", entered: entries.purchaseDate, found: date.value, message }],
    ...checks,
  };
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`)) / DAY_MS);
}

/**
 * Looks for `needle` in `text` ignoring case, spacing and punctuation, reading the characters
 * OCR confuses (O/0, I/L/1, S/5, B/8, Z/2) as the same. A hit spans whole words (split on
 * spaces and `:;,()#`), so a serial `SN123` is not found inside `SN1234`.
 */
export function containsIdentifier(text: string, needle: string): boolean {
  const target = fold(needle);
  if (target.length === 0) return false;
  const words = text.split(/[\s:;,()#]+/).map(fold).filter((w) => w.length > 0);
  for (let start = 0; start < words.length; start += 1) {
    let joined = "";
    for (let end = start; end < Math.min(words.length, start + 4); end += 1) {
      joined += words[end];
      if (joined === target) return true;
      if (joined.length >= target.length) break;
    }
  }
  return false;
}

function presence(text: string, needle: string | undefined): PresenceCheck {
  if (needle === undefined || needle.trim() === "") return "not-entered";
  return containsIdentifier(text, needle) ? "found" : "not-found";
}

function fold(value: string): string {
  return value
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1")
    .replace(/S/g, "5")
    .replace(/B/g, "8")
    .replace(/Z/g, "2");
}
