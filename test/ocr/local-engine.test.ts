import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OcrLimits } from "../../services/ocr/config.ts";
import { createLocalEngine } from "../../services/ocr/engines/index.ts";
import type { InvoiceExtraction, OcrEngine } from "../../services/ocr/engines/index.ts";
import { countCorrect } from "./accuracy.ts";
import { bombPdf, encryptedPdf, hugeImagePdf, jpegHeader, manyPagesPdf, pngHeader, TEXT_INVOICES, textPdf } from "../support/invoices.ts";
import { rejectionOf } from "../support/errors.ts";

const limits: OcrLimits = {
  maxFileBytes: 2 * 1024 * 1024,
  maxPages: 5,
  maxPixels: 20_000_000,
  maxInflatedBytes: 8 * 1024 * 1024,
  timeoutMs: 60_000,
  workerMemoryMb: 512,
};
const signal = () => new AbortController().signal;

/** Runs `analyze` and returns the AppError it threw. */
async function failure(engine: OcrEngine, bytes: Uint8Array, contentType = "application/pdf") {
  const { code, retryable } = await rejectionOf(engine.analyze({ bytes, contentType }, { signal: signal() }));
  return { code, retryable };
}

describe("local engine: PDF text layer", () => {
  let engine: OcrEngine;
  beforeAll(() => {
    engine = createLocalEngine({ limits, dateOrder: "dmy" });
  });
  afterAll(() => engine.close());

  it.each(TEXT_INVOICES.map((f) => [f.name, f] as const))("reads every field of %s", async (_name, fixture) => {
    const result: InvoiceExtraction = await engine.analyze({ bytes: await textPdf(fixture), contentType: "application/pdf" }, { signal: signal() });
    expect(result).toMatchObject({ engine: "local", source: "pdf-text", pageCount: fixture.pages.length });
    expect({
      vendorName: result.vendorName?.value,
      invoiceId: result.invoiceId?.value,
      invoiceDate: result.invoiceDate?.value,
      total: result.total?.value,
      currency: result.currency?.value,
      lineItems: result.lineItems.length,
    }).toEqual(fixture.expected);
    expect(countCorrect(result, fixture.expected)).toEqual({ correct: 6, of: 6 });
  });

  it("reads line items column by column", async () => {
    const result = await engine.analyze({ bytes: await textPdf(TEXT_INVOICES[1]!), contentType: "application/pdf" }, { signal: signal() });
    expect(result.lineItems).toEqual([{ description: "Refrigerator RF-550", quantity: 1, unitPrice: 1199, amount: 1199 }]);
    expect(result.text).toContain("RF-550");
  });

  it("trusts the magic bytes over the declared content type", async () => {
    const result = await engine.analyze({ bytes: await textPdf(TEXT_INVOICES[0]!), contentType: "image/png" }, { signal: signal() });
    expect(result.invoiceId?.value).toBe("INV-2024-0042");
  });
});

describe("local engine: hostile and corrupt files", () => {
  let engine: OcrEngine;
  beforeAll(() => {
    engine = createLocalEngine({ limits, dateOrder: "dmy" });
  });
  afterAll(() => engine.close());

  const rejected = (code: string) => ({ code, retryable: false });

  it("refuses a file over the size limit before parsing it", async () => {
    const big = new Uint8Array(limits.maxFileBytes + 1);
    big.set(Buffer.from("%PDF-1.7\n"));
    expect(await failure(engine, big)).toEqual(rejected("OCR_FILE_TOO_LARGE"));
  });

  it("refuses a PNG whose header announces an absurd pixel count", async () => {
    expect(await failure(engine, pngHeader(100_000, 100_000), "image/png")).toEqual(rejected("OCR_IMAGE_TOO_LARGE"));
  });

  it("refuses a JPEG whose frame header announces an absurd pixel count", async () => {
    expect(await failure(engine, jpegHeader(65_000, 65_000), "image/jpeg")).toEqual(rejected("OCR_IMAGE_TOO_LARGE"));
  });

  it("refuses a PDF image XObject with an absurd pixel count", async () => {
    expect(await failure(engine, await hugeImagePdf(100_000, 100_000))).toEqual(rejected("OCR_IMAGE_TOO_LARGE"));
  });

  it("refuses a PDF decompression bomb", async () => {
    expect(await failure(engine, await bombPdf(64 * 1024 * 1024))).toEqual(rejected("OCR_DECOMPRESSION_BOMB"));
  });

  it("refuses a password-protected PDF", async () => {
    expect(await failure(engine, await encryptedPdf())).toEqual(rejected("OCR_ENCRYPTED_PDF"));
  });

  it("refuses a PDF with more pages than allowed", async () => {
    expect(await failure(engine, await manyPagesPdf(limits.maxPages + 1))).toEqual(rejected("OCR_TOO_MANY_PAGES"));
  });

  it("refuses a truncated PDF and unknown file types", async () => {
    const pdf = await textPdf(TEXT_INVOICES[0]!);
    expect(await failure(engine, pdf.subarray(0, 200))).toEqual(rejected("OCR_CORRUPT_FILE"));
    expect(await failure(engine, Buffer.from("PK\x03\x04 not an invoice"), "application/zip")).toEqual(rejected("OCR_UNSUPPORTED_TYPE"));
    expect(await failure(engine, new Uint8Array(0))).toEqual(rejected("OCR_CORRUPT_FILE"));
  });

  it("still reads a good invoice after all of that", async () => {
    const result = await engine.analyze({ bytes: await textPdf(TEXT_INVOICES[2]!), contentType: "application/pdf" }, { signal: signal() });
    expect(result.invoiceId?.value).toBe("GX/7781");
  });
});

describe("local engine: sandbox bounds", () => {
  it("fails a job past its time limit as retryable and serves the next job with a fresh sandbox", async () => {
    const engine = createLocalEngine({ limits: { ...limits, timeoutMs: 1 }, dateOrder: "dmy" });
    try {
      expect(await failure(engine, await textPdf(TEXT_INVOICES[0]!))).toEqual({ code: "OCR_TIMEOUT", retryable: true });
    } finally {
      await engine.close();
    }
  });

  it("survives the sandbox running out of memory", async () => {
    const engine = createLocalEngine({ limits: { ...limits, workerMemoryMb: 4 }, dateOrder: "dmy" });
    try {
      expect(await failure(engine, await textPdf(TEXT_INVOICES[0]!))).toEqual({ code: "OCR_ENGINE_CRASHED", retryable: true });
    } finally {
      await engine.close();
    }
  });

  it("fails with OCR_ABORTED when the caller aborts, and reads the next document", async () => {
    const engine = createLocalEngine({ limits, dateOrder: "dmy" });
    try {
      const controller = new AbortController();
      const pending = engine.analyze({ bytes: await textPdf(TEXT_INVOICES[0]!), contentType: "application/pdf" }, { signal: controller.signal });
      controller.abort(new Error("shutting down"));
      await expect(pending).rejects.toMatchObject({ code: "OCR_ABORTED", retryable: true });
      const result = await engine.analyze({ bytes: await textPdf(TEXT_INVOICES[3]!), contentType: "application/pdf" }, { signal: signal() });
      expect(result.total?.value).toBe(99);
    } finally {
      await engine.close();
    }
  });
});
