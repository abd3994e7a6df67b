import { AzureKeyCredential, DocumentAnalysisClient } from "@azure/ai-form-recognizer";
import type { AnalyzedDocument, AnalyzeResult, DocumentField } from "@azure/ai-form-recognizer";
import { AppError, isAppError } from "../../../lib/errors/index.ts";
import type { AzureOcrConfig, OcrLimits } from "../config.ts";
import { currencyCode, detectLanguage, documentDateReading, parseDate, parseMoney } from "../extract/index.ts";
import type { DateOrder, DateReading, ExtractedField, LineItem } from "../extract/index.ts";
import { badFile, OCR_ERROR_CODES, transient } from "./errors.ts";
import { inspectDocument } from "./inspect.ts";
import type { InvoiceExtraction, OcrEngine } from "./types.ts";
import { MAX_TEXT_CHARS } from "./types.ts";

/** Settings of {@link createAzureEngine}. */
export interface AzureEngineOptions {
  readonly azure: AzureOcrConfig;
  readonly limits: OcrLimits;
  readonly dateOrder: DateOrder;
  /** SDK retry policy; the defaults suit production, tests shorten them. */
  readonly retry?: { readonly maxRetries: number; readonly retryDelayInMs: number; readonly maxRetryDelayInMs: number };
}

/** Error codes of a failed analysis that mean the document itself is unreadable. */
const BAD_CONTENT = new Set(["InvalidContent", "InvalidContentDimensions", "InvalidContentLength", "UnsupportedContent", "InvalidRequest", "InvalidArgument"]);

/**
 * Azure AI Document Intelligence, model `prebuilt-invoice`, through @azure/ai-form-recognizer.
 * The SDK runs the long-running operation (POST analyze, then GET the Operation-Location until
 * it succeeds) and its pipeline retries 429/5xx honouring Retry-After.
 */
export function createAzureEngine(options: AzureEngineOptions): OcrEngine {
  const { azure, limits } = options;
  const client = new DocumentAnalysisClient(azure.endpoint, new AzureKeyCredential(azure.key), {
    // Plain http is accepted only for a loopback double (checked in readOcrConfig).
    allowInsecureConnection: azure.allowInsecureConnection,
    ...(options.retry ? { retryOptions: options.retry } : {}),
  });
  return {
    name: "azure",
    async analyze(input, { signal }): Promise<InvoiceExtraction> {
      inspectDocument(input.bytes, limits);
      const deadline = AbortSignal.timeout(limits.timeoutMs);
      const abortSignal = AbortSignal.any([signal, deadline]);
      let result: AnalyzeResult<AnalyzedDocument>;
      try {
        const poller = await client.beginAnalyzeDocument("prebuilt-invoice", input.bytes, {
          abortSignal,
          updateIntervalInMs: azure.pollIntervalMs,
        });
        result = await poller.pollUntilDone({ abortSignal });
      } catch (error) {
        throw classify(error, signal, deadline, limits.timeoutMs);
      }
      return toExtraction(result, options.dateOrder);
    },
    close: () => Promise.resolve(),
  };
}

function classify(error: unknown, signal: AbortSignal, deadline: AbortSignal, timeoutMs: number): AppError {
  if (isAppError(error)) return error;
  if (signal.aborted) return new AppError(OCR_ERROR_CODES.aborted, "OCR was aborted", { retryable: true, status: 503, cause: error });
  if (deadline.aborted) return transient(OCR_ERROR_CODES.timeout, `Document Intelligence did not finish within ${timeoutMs} ms`, error);
  const { statusCode, code, message } = error as { statusCode?: number; code?: string; message?: string };
  const text = `Document Intelligence: ${message ?? String(error)}`;
  if (statusCode === 401 || statusCode === 403) {
    return new AppError(OCR_ERROR_CODES.engineAuth, text, { retryable: false, status: 500, cause: error });
  }
  if (code === "InvalidPassword") return badFile(OCR_ERROR_CODES.encryptedPdf, text);
  if (statusCode === 408 || statusCode === 429 || (statusCode !== undefined && statusCode >= 500)) {
    return transient(OCR_ERROR_CODES.engineUnavailable, text, error);
  }
  if (code !== undefined && BAD_CONTENT.has(code)) return badFile(OCR_ERROR_CODES.corruptFile, text, { engineCode: code });
  if (statusCode !== undefined && statusCode >= 400) {
    return new AppError(OCR_ERROR_CODES.engineRejected, text, { retryable: false, status: 500, cause: error });
  }
  // No status: the connection failed, or the operation failed for a reason of the service's own.
  return transient(OCR_ERROR_CODES.engineUnavailable, text, error);
}

/**
 * Maps the prebuilt-invoice fields, each with the service's confidence: VendorName (else the
 * name on the vendor's address block), InvoiceId, InvoiceDate, InvoiceTotal (else AmountDue) with
 * its currency (else the currency of any other amount field), and Items. A date the service could
 * not normalise is parsed from its text, with the day/month order the document's language settles.
 */
function toExtraction(result: AnalyzeResult<AnalyzedDocument>, order: DateOrder): InvoiceExtraction {
  const fields = result.documents?.[0]?.fields ?? {};
  const total = money(fields["InvoiceTotal"]) ?? money(fields["AmountDue"]);
  const currency = total?.currency ? total : ["AmountDue", "SubTotal", "TotalTax"].map((name) => money(fields[name])).find((m) => m?.currency);
  const language = detectLanguage(result.content);
  const reading = documentDateReading(result.content, language, currency?.currency, order);
  return {
    engine: "azure",
    source: "azure-prebuilt-invoice",
    pageCount: result.pages?.length ?? 0,
    text: result.content.slice(0, MAX_TEXT_CHARS),
    vendorName: text(fields["VendorName"]) ?? text(fields["VendorAddressRecipient"]),
    invoiceId: text(fields["InvoiceId"]),
    invoiceDate: date(fields["InvoiceDate"], reading),
    total: total ? { value: total.amount, confidence: total.confidence, text: total.text } : undefined,
    currency: currency?.currency ? { value: currency.currency, confidence: currency.confidence, text: currency.text } : undefined,
    lineItems: items(fields["Items"]),
    language,
  };
}

function text(field: DocumentField | undefined): ExtractedField<string> | undefined {
  const value = field?.kind === "string" ? (field.value ?? field.content) : field?.content;
  return value ? { value: value.trim(), confidence: field?.confidence, text: field?.content ?? value } : undefined;
}

function date(field: DocumentField | undefined, reading: DateReading): ExtractedField<string> | undefined {
  if (!field) return undefined;
  if (field.kind === "date" && field.value instanceof Date && !Number.isNaN(field.value.getTime())) {
    return { value: field.value.toISOString().slice(0, 10), confidence: field.confidence, text: field.content ?? "" };
  }
  // The service found the field but could not normalise it: read the raw text ourselves.
  const parsed = field.content ? parseDate(field.content, reading) : undefined;
  if (!parsed) return undefined;
  const base = { value: parsed.iso, confidence: field.confidence, text: parsed.text };
  return parsed.alternative ? { ...base, alternatives: [parsed.alternative] } : base;
}

function money(field: DocumentField | undefined): { amount: number; currency: string | undefined; confidence: number | undefined; text: string } | undefined {
  if (!field) return undefined;
  if (field.kind === "currency" && field.value) {
    const { amount, currencyCode: code, currencySymbol } = field.value;
    return { amount, currency: code ?? currencyCode(currencySymbol), confidence: field.confidence, text: field.content ?? String(amount) };
  }
  if (field.kind === "number" && field.value !== undefined) {
    return { amount: field.value, currency: undefined, confidence: field.confidence, text: field.content ?? String(field.value) };
  }
  const parsed = field.content ? parseMoney(field.content) : undefined;
  return parsed ? { amount: parsed.amount, currency: parsed.currency, confidence: field.confidence, text: parsed.text } : undefined;
}

function items(field: DocumentField | undefined): LineItem[] {
  if (field?.kind !== "array") return [];
  return (field.values ?? []).flatMap((row): LineItem[] => {
    if (row.kind !== "object") return [];
    const p = row.properties;
    const description = text(p["Description"])?.value ?? text(p["ProductCode"])?.value;
    if (!description) return [];
    const quantity = p["Quantity"]?.kind === "number" ? p["Quantity"].value : money(p["Quantity"])?.amount;
    return [{ description, quantity, unitPrice: money(p["UnitPrice"])?.amount, amount: money(p["Amount"])?.amount }];
  });
}
