import type { InvoiceExtraction } from "../../services/ocr/engines/index.ts";
import type { InvoiceFixture } from "../support/invoices.ts";

/** How many of a fixture's six expected fields an extraction got right. */
export function countCorrect(result: InvoiceExtraction, expected: InvoiceFixture["expected"]): { correct: number; of: number } {
  const checks = [
    result.vendorName?.value === expected.vendorName,
    result.invoiceId?.value === expected.invoiceId,
    result.invoiceDate?.value === expected.invoiceDate,
    result.total?.value === expected.total,
    result.currency?.value === expected.currency,
    result.lineItems.length === expected.lineItems,
  ];
  return { correct: checks.filter(Boolean).length, of: checks.length };
}
