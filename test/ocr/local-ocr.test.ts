import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OcrLimits } from "../../services/ocr/config.ts";
import { createLocalEngine } from "../../services/ocr/engines/index.ts";
import type { InvoiceExtraction, OcrEngine } from "../../services/ocr/engines/index.ts";
import { verifyInvoice } from "../../services/ocr/verify.ts";
import { countCorrect } from "./accuracy.ts";
import { IMAGE_INVOICE, imageOf, scannedPdf } from "../support/invoices.ts";

// tesseract is slow on two cores: two documents, one engine (the model loads once).
const limits: OcrLimits = {
  maxFileBytes: 10 * 1024 * 1024,
  maxPages: 5,
  maxPixels: 20_000_000,
  maxInflatedBytes: 64 * 1024 * 1024,
  timeoutMs: 120_000,
  workerMemoryMb: 1024,
};

function fieldsOf(result: InvoiceExtraction) {
  return {
    vendorName: result.vendorName?.value,
    invoiceId: result.invoiceId?.value,
    invoiceDate: result.invoiceDate?.value,
    total: result.total?.value,
    currency: result.currency?.value,
    lineItems: result.lineItems.length,
  };
}

describe("local engine: OCR of images and scanned PDFs (tesseract.js, offline model)", () => {
  let engine: OcrEngine;
  beforeAll(() => {
    engine = createLocalEngine({ limits, dateOrder: "dmy" });
  });
  afterAll(() => engine.close());

  it("reads a PNG invoice, with confidences, and verifies it against the registration", async () => {
    const result = await engine.analyze({ bytes: await imageOf(IMAGE_INVOICE, "png"), contentType: "image/png" }, { signal: new AbortController().signal });
    expect(result).toMatchObject({ engine: "local", source: "ocr", pageCount: 1 });
    expect(fieldsOf(result)).toEqual(IMAGE_INVOICE.expected);
    expect(countCorrect(result, IMAGE_INVOICE.expected)).toEqual({ correct: 6, of: 6 });
    expect(result.invoiceDate?.confidence).toBeGreaterThan(0.5);
    expect(result.invoiceDate?.confidence).toBeLessThanOrEqual(1);
    // 12/04/2024 could be either order; an English invoice in pounds writes the day first, so no other reading is kept.
    expect(result.language).toBe("en");
    expect(result.invoiceDate?.alternatives).toBeUndefined();
    const verification = verifyInvoice(result, { purchaseDate: "2024-04-13", modelNumber: "DW-5000", serialNumber: "SN99812" }, { toleranceDays: 3 });
    expect(verification).toEqual({ status: "verified", invoiceDate: "2024-04-12", modelNumber: "found", serialNumber: "found" });
    // The model is read from the npm package; cacheMethod "none" writes no copy anywhere.
    expect(existsSync("eng.traineddata")).toBe(false);
  });

  it("reads a scanned PDF (no text layer) by rendering its page and running OCR", async () => {
    const pdf = await scannedPdf(await imageOf(IMAGE_INVOICE, "png"));
    const result = await engine.analyze({ bytes: pdf, contentType: "application/pdf" }, { signal: new AbortController().signal });
    expect(result).toMatchObject({ source: "ocr", pageCount: 1 });
    expect(fieldsOf(result)).toEqual(IMAGE_INVOICE.expected);
    expect(countCorrect(result, IMAGE_INVOICE.expected)).toEqual({ correct: 6, of: 6 });
  });
});
