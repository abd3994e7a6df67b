import { describe, expect, it } from "vitest";
import { ConfigError, envReader } from "../../lib/config/index.ts";
import { readOcrConfig } from "../../services/ocr/config.ts";
import type { InvoiceExtraction } from "../../services/ocr/engines/index.ts";
import { containsIdentifier, verifyInvoice } from "../../services/ocr/verify.ts";

function extraction(invoiceDate: string | undefined, text: string, alternatives?: string[]): InvoiceExtraction {
  return {
    engine: "local", source: "pdf-text", pageCount: 1, text,
    vendorName: undefined, invoiceId: undefined, total: undefined, currency: undefined, lineItems: [], language: undefined,
    invoiceDate: invoiceDate === undefined ? undefined : { value: invoiceDate, confidence: undefined, text: invoiceDate, ...(alternatives ? { alternatives } : {}) },
  };
}

const entries = { purchaseDate: "2024-03-05", modelNumber: "WM-1200", serialNumber: "ABC123" };

describe("verifyInvoice", () => {
  it("verifies an invoice dated within the tolerance and reports model and serial found", () => {
    expect(verifyInvoice(extraction("2024-03-07", "Washing machine WM 1200 SN: ABC123"), entries, { toleranceDays: 3 })).toEqual({
      status: "verified", invoiceDate: "2024-03-07", modelNumber: "found", serialNumber: "found",
    });
  });

  it("reports a mismatch with what differs when the date is outside the tolerance", () => {
    expect(verifyInvoice(extraction("2024-02-01", "WM-1200"), entries, { toleranceDays: 3 })).toEqual({
      status: "mismatch",
      differences: [{ field: "invoiceDate", entered: "2024-03-05", found: "2024-02-01", message: "invoice date 2024-02-01 is 33 days before the purchase date (tolerance 3 days)" }],
      modelNumber: "found",
      serialNumber: "not-found",
    });
  });

  it("accepts the other reading of an ambiguous dd/mm date", () => {
    expect(verifyInvoice(extraction("2024-05-03", "", ["2024-03-05"]), entries, { toleranceDays: 0 })).toMatchObject({ status: "verified", invoiceDate: "2024-03-05" });
  });

  it("is unreadable without an invoice date, saying why", () => {
    expect(verifyInvoice(extraction(undefined, ""), entries, { toleranceDays: 3 })).toMatchObject({ status: "unreadable", reason: "no text could be read" });
    expect(verifyInvoice(extraction(undefined, "some text"), { ...entries, serialNumber: undefined }, { toleranceDays: 3 })).toEqual({
      status: "unreadable", reason: "no invoice date found", modelNumber: "not-found", serialNumber: "not-entered",
    });
  });

  it("matches identifiers across spacing, punctuation and OCR look-alikes, but only whole", () => {
    expect(containsIdentifier("Serial no.: SN-0O1 23", "SN00123")).toBe(true);
    expect(containsIdentifier("S/N:ABC123,", "abc123")).toBe(true);
    expect(containsIdentifier("model WM1200X", "WM-1200")).toBe(false);
    expect(containsIdentifier("SN1234", "SN123")).toBe(false);
  });
});

describe("readOcrConfig", () => {
  it("defaults to the offline engine with day-first dates", () => {
    const env = envReader({});
    const config = readOcrConfig(env);
    env.done();
    expect(config).toMatchObject({ engine: "local", azure: undefined, dateOrder: "dmy", dateToleranceDays: 7, limits: { maxPages: 20, maxFileBytes: 10 * 1024 * 1024 } });
  });

  it("reads every variable", () => {
    const env = envReader({
      OCR_ENGINE: "azure", AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT: "https://x.cognitiveservices.azure.com/", AZURE_DOCUMENT_INTELLIGENCE_KEY: "k",
      OCR_DATE_ORDER: "mdy", OCR_DATE_TOLERANCE_DAYS: "2", OCR_MAX_PAGES: "3", OCR_MAX_PIXELS: "1000000", OCR_MAX_FILE_BYTES: "2048",
      OCR_MAX_INFLATED_BYTES: "2097152", OCR_TIMEOUT_MS: "5000", OCR_WORKER_MEMORY_MB: "256", OCR_AZURE_POLL_INTERVAL_MS: "250",
    });
    const config = readOcrConfig(env);
    env.done();
    expect(config).toEqual({
      engine: "azure",
      azure: { endpoint: "https://x.cognitiveservices.azure.com/", key: "k", pollIntervalMs: 250, allowInsecureConnection: false },
      dateOrder: "mdy",
      dateToleranceDays: 2,
      limits: { maxFileBytes: 2048, maxPages: 3, maxPixels: 1_000_000, maxInflatedBytes: 2_097_152, timeoutMs: 5000, workerMemoryMb: 256 },
    });
  });

  it("reports every problem at once", () => {
    const env = envReader({ OCR_ENGINE: "azure", OCR_DATE_ORDER: "ymd", OCR_MAX_PAGES: "0", OCR_DATE_TOLERANCE_DAYS: "soon" });
    readOcrConfig(env);
    let problems: readonly string[] = [];
    try {
      env.done();
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems.map((p) => p.split(/[=:]/)[0]).toSorted()).toEqual(
      ["AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT", "AZURE_DOCUMENT_INTELLIGENCE_KEY", "OCR_DATE_ORDER", "OCR_DATE_TOLERANCE_DAYS", "OCR_MAX_PAGES"],
    );
    expect(problems).toHaveLength(5);
  });

  it("accepts plain http only for a loopback endpoint", () => {
    const env = envReader({ OCR_ENGINE: "azure", AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT: "http://di.example.com/", AZURE_DOCUMENT_INTELLIGENCE_KEY: "k" });
    readOcrConfig(env);
    expect(() => env.done()).toThrow(/must be https/);
    const local = envReader({ OCR_ENGINE: "azure", AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT: "http://127.0.0.1:9000/", AZURE_DOCUMENT_INTELLIGENCE_KEY: "k" });
    expect(readOcrConfig(local).azure?.allowInsecureConnection).toBe(true);
    local.done();
  });
});
