import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { envReader } from "../../lib/config/index.ts";
import { readOcrConfig } from "../../services/ocr/config.ts";
import { createAzureEngine, createOcrEngine } from "../../services/ocr/engines/index.ts";
import type { OcrEngine } from "../../services/ocr/engines/index.ts";
import { prebuiltInvoiceResult, startDocumentIntelligenceDouble } from "../support/document-intelligence-double.ts";
import type { DocumentIntelligenceDouble } from "../support/document-intelligence-double.ts";
import { pngHeader, TEXT_INVOICES, textPdf } from "../support/invoices.ts";
import { rejectionOf } from "../support/errors.ts";

const KEY = "test-key-0123456789";
const CONTENT = "Northwind Traders Inc.\nInvoice #: 10045\nInvoice Date: 5 Mar 2024\nRefrigerator RF-550 SN RF550-0099 1 $1,199.00\nTotal Due $1,299.00";
const RETRY_AFTER_MS = 1000;

function engineFor(double: DocumentIntelligenceDouble, key = KEY): OcrEngine {
  const env = envReader({
    OCR_ENGINE: "azure",
    AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT: double.endpoint,
    AZURE_DOCUMENT_INTELLIGENCE_KEY: key,
    OCR_AZURE_POLL_INTERVAL_MS: "10",
  });
  const config = readOcrConfig(env);
  env.done();
  if (!config.azure) throw new Error("azure config expected");
  // Short SDK retry delays keep the 503 case quick; 429 waits come from Retry-After regardless.
  return createAzureEngine({ azure: config.azure, limits: config.limits, dateOrder: config.dateOrder, retry: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 50 } });
}

const analyze = async (engine: OcrEngine, bytes?: Uint8Array) =>
  engine.analyze({ bytes: bytes ?? (await textPdf(TEXT_INVOICES[1]!)), contentType: "application/pdf" }, { signal: new AbortController().signal });

async function failure(promise: Promise<unknown>) {
  const { code, retryable } = await rejectionOf(promise);
  return { code, retryable };
}

describe("Azure engine through @azure/ai-form-recognizer against the REST double", () => {
  let double: DocumentIntelligenceDouble;
  let engine: OcrEngine;
  beforeAll(async () => {
    double = await startDocumentIntelligenceDouble({
      key: KEY,
      analyze: () =>
        prebuiltInvoiceResult({
          content: CONTENT,
          vendorName: "Northwind Traders Inc.",
          invoiceId: "10045",
          invoiceDate: ["2024-03-05", "5 Mar 2024"],
          total: { amount: 1299, symbol: "$", code: "USD", content: "$1,299.00" },
          items: [{ description: "Refrigerator RF-550", quantity: 1, amount: 1199 }],
        }),
    });
    engine = engineFor(double);
  });
  afterAll(async () => {
    await engine.close();
    await double.close();
  });
  beforeEach(() => {
    double.requests.length = 0;
    double.script({});
  });

  it("maps the prebuilt-invoice fields with their confidences", async () => {
    const result = await analyze(engine);
    expect(result).toMatchObject({
      engine: "azure",
      source: "azure-prebuilt-invoice",
      pageCount: 1,
      vendorName: { value: "Northwind Traders Inc.", confidence: 0.94 },
      invoiceId: { value: "10045", confidence: 0.97 },
      invoiceDate: { value: "2024-03-05", confidence: 0.96 },
      total: { value: 1299, confidence: 0.91 },
      currency: { value: "USD" },
      lineItems: [{ description: "Refrigerator RF-550", quantity: 1, amount: 1199 }],
    });
    expect(result.text).toContain("RF550-0099");
    const post = double.requests[0];
    expect(post).toMatchObject({ method: "POST", path: "/formrecognizer/documentModels/prebuilt-invoice:analyze", status: 202 });
    expect(post?.bodyBytes).toBeGreaterThan(500);
  });

  it("follows the operation through notStarted and running polls until it succeeds", async () => {
    double.script({ polls: [{ status: "notStarted" }, { status: "running" }, { status: "running" }] });
    const result = await analyze(engine);
    expect(result.invoiceId?.value).toBe("10045");
    expect(double.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["POST 202", "GET 200", "GET 200", "GET 200", "GET 200"]);
  });

  it("waits as long as a 429's Retry-After says before sending the request again", async () => {
    double.script({ throttle: 1, retryAfterSeconds: RETRY_AFTER_MS / 1000 });
    const result = await analyze(engine);
    expect(result.total?.value).toBe(1299);
    const [throttled, accepted] = double.requests;
    expect([throttled?.status, accepted?.status]).toEqual([429, 202]);
    // A lower bound only: the SDK must not come back before Retry-After has passed.
    expect(accepted!.at - throttled!.at).toBeGreaterThanOrEqual(RETRY_AFTER_MS - 20);
  });

  it("honours Retry-After on a poll over its own shorter polling interval", async () => {
    // The SDK polls once right after the POST and once more at once to "get the ball rolling";
    // the delay applies from the second poll on.
    double.script({ polls: [{ status: "running" }, { status: "running", retryAfter: RETRY_AFTER_MS / 1000 }] });
    await analyze(engine);
    const [, , slowPoll, nextPoll] = double.requests;
    expect([slowPoll?.method, nextPoll?.method]).toEqual(["GET", "GET"]);
    expect(nextPoll!.at - slowPoll!.at).toBeGreaterThanOrEqual(RETRY_AFTER_MS - 20);
  });

  it("reports a service that stays unavailable as retryable", async () => {
    double.script({ unavailable: 10 });
    expect(await failure(analyze(engine))).toEqual({ code: "OCR_ENGINE_UNAVAILABLE", retryable: true });
    expect(double.requests.filter((r) => r.status === 503)).toHaveLength(3);
  });

  it("reports a document the service cannot read as a non-retryable corrupt file", async () => {
    double.script({ fail: { code: "InvalidRequest", message: "The file is corrupted or format is unsupported.", innerCode: "InvalidContent" } });
    expect(await failure(analyze(engine))).toEqual({ code: "OCR_CORRUPT_FILE", retryable: false });
  });

  it("reports an operation failing inside the service as retryable", async () => {
    double.script({ fail: { code: "InternalServerError", message: "An unexpected error occurred." } });
    expect(await failure(analyze(engine))).toEqual({ code: "OCR_ENGINE_UNAVAILABLE", retryable: true });
  });

  it("reports a rejected key as a non-retryable auth error", async () => {
    const wrongKey = engineFor(double, "wrong-key");
    expect(await failure(analyze(wrongKey))).toEqual({ code: "OCR_ENGINE_AUTH", retryable: false });
  });

  it("refuses an absurd image before uploading it", async () => {
    expect(await failure(analyze(engine, pngHeader(100_000, 100_000)))).toEqual({ code: "OCR_IMAGE_TOO_LARGE", retryable: false });
    expect(double.requests).toHaveLength(0);
  });

  it("is what the factory builds for OCR_ENGINE=azure", async () => {
    const env = envReader({ OCR_ENGINE: "azure", AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT: double.endpoint, AZURE_DOCUMENT_INTELLIGENCE_KEY: KEY, OCR_AZURE_POLL_INTERVAL_MS: "10" });
    const built = createOcrEngine(readOcrConfig(env));
    env.done();
    expect(built.name).toBe("azure");
    expect((await analyze(built)).vendorName?.value).toBe("Northwind Traders Inc.");
  });
});

describe("Azure engine: a date the service could not normalise", () => {
  it("parses the field's raw content with the configured date order", async () => {
    const double = await startDocumentIntelligenceDouble({
      key: KEY,
      analyze: () => prebuiltInvoiceResult({ content: "Invoice 04/03/2024", invoiceDate: [undefined, "04/03/2024"], total: { amount: 5, content: "5,00 €" } }),
    });
    try {
      const result = await analyze(engineFor(double));
      expect(result.invoiceDate).toMatchObject({ value: "2024-03-04", alternatives: ["2024-04-03"] });
      expect(result.total?.value).toBe(5);
      expect(result.currency).toBeUndefined();
    } finally {
      await double.close();
    }
  });
});

describe("Azure engine: fields in other languages", () => {
  it("reads an unnormalised German date with the order the document's language settles, and keeps the confidences", async () => {
    const double = await startDocumentIntelligenceDouble({
      key: KEY,
      analyze: () =>
        prebuiltInvoiceResult({
          content: "Bergmann Elektro GmbH\nRechnungsnummer RE-2014-7\nRechnungsdatum 05/03/2014\nGesamtbetrag 4.904,94 €",
          vendorName: "Bergmann Elektro GmbH",
          invoiceDate: [undefined, "05/03/2014"],
          total: { amount: 4904.94, symbol: "€", content: "4.904,94 €" },
        }),
    });
    try {
      const result = await analyze(engineFor(double));
      expect(result).toMatchObject({
        language: "de",
        vendorName: { value: "Bergmann Elektro GmbH", confidence: 0.94 },
        invoiceDate: { value: "2014-03-05", confidence: 0.96 },
        total: { value: 4904.94, confidence: 0.91 },
        currency: { value: "EUR", confidence: 0.91 },
      });
      expect(result.invoiceDate?.alternatives).toBeUndefined();
    } finally {
      await double.close();
    }
  });

  it("parses month names of any of the seven languages the service left unnormalised", async () => {
    const double = await startDocumentIntelligenceDouble({
      key: KEY,
      analyze: () => prebuiltInvoiceResult({ content: "Factuur F-12\nFactuurdatum 29 maart 2014\nTotaal te betalen € 10,00", invoiceDate: [undefined, "29 maart 2014"] }),
    });
    try {
      expect((await analyze(engineFor(double))).invoiceDate).toMatchObject({ value: "2014-03-29", text: "29 maart 2014" });
    } finally {
      await double.close();
    }
  });
});
