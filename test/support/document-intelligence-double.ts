// A local stand-in for Azure AI Document Intelligence that speaks its REST protocol
// (api-version 2023-07-31), so @azure/ai-form-recognizer runs its real HTTP path in tests:
// POST .../documentModels/{model}:analyze → 202 + Operation-Location, GET the operation →
// notStarted/running/succeeded/failed, 429 + Retry-After when throttling, 401 on a bad key.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

const API_VERSION = "2023-07-31";

/** A request the double received, in arrival order. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** `performance.now()` on arrival. */
  readonly at: number;
  readonly status: number;
  readonly bodyBytes: number;
}

/** One answer to a poll before the final one. */
export interface PollStep {
  readonly status: "notStarted" | "running";
  /** Seconds sent as Retry-After with this answer. */
  readonly retryAfter?: number;
}

/** How the next operations behave; each test sets what it needs. */
export interface DoubleScript {
  /** How many analyze requests are answered 429 before one is accepted. */
  throttle: number;
  retryAfterSeconds: number;
  /** How many analyze requests are answered 503 (after throttling). */
  unavailable: number;
  polls: readonly PollStep[];
  /** When set, the operation ends `failed` with this error instead of `succeeded`. */
  fail: { readonly code: string; readonly message: string; readonly innerCode?: string } | undefined;
}

/** The double's analysis model: the `analyzeResult` for an uploaded document. */
export type Analyzer = (document: Buffer, modelId: string) => Record<string, unknown>;

/** A running double; `endpoint` is what the SDK is pointed at. */
export interface DocumentIntelligenceDouble {
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  script(script: Partial<DoubleScript>): void;
  close(): Promise<void>;
}

interface Operation {
  readonly modelId: string;
  readonly document: Buffer;
  readonly script: DoubleScript;
  polls: number;
  readonly created: string;
}

const DEFAULT_SCRIPT: DoubleScript = { throttle: 0, retryAfterSeconds: 1, unavailable: 0, polls: [], fail: undefined };

/** Starts the double on 127.0.0.1 and a free port; requests must carry `key`. */
export async function startDocumentIntelligenceDouble(options: { key: string; analyze: Analyzer }): Promise<DocumentIntelligenceDouble> {
  const requests: RecordedRequest[] = [];
  const operations = new Map<string, Operation>();
  let script: DoubleScript = DEFAULT_SCRIPT;
  let port = 0;

  const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "apim-request-id": randomUUID(), ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const error = (code: string, message: string, innerCode?: string) => ({
    error: { code, message, ...(innerCode ? { innererror: { code: innerCode, message } } : {}) },
  });

  const analyze = (res: ServerResponse, modelId: string, body: Buffer): number => {
    if (script.throttle > 0) {
      script = { ...script, throttle: script.throttle - 1 };
      send(res, 429, error("429", "Rate limit is exceeded."), { "retry-after": String(script.retryAfterSeconds) });
      return 429;
    }
    if (script.unavailable > 0) {
      script = { ...script, unavailable: script.unavailable - 1 };
      send(res, 503, error("ServiceUnavailable", "The service is temporarily unavailable."));
      return 503;
    }
    if (body.length === 0) {
      send(res, 400, error("InvalidRequest", "Invalid request.", "InvalidContent"));
      return 400;
    }
    const id = randomUUID();
    operations.set(id, { modelId, document: body, script, polls: 0, created: new Date().toISOString() });
    const location = `http://127.0.0.1:${port}/formrecognizer/documentModels/${modelId}/analyzeResults/${id}?api-version=${API_VERSION}`;
    send(res, 202, undefined, { "operation-location": location });
    return 202;
  };

  const poll = (res: ServerResponse, id: string): number => {
    const operation = operations.get(id);
    if (!operation) {
      send(res, 404, error("NotFound", "Resource not found."));
      return 404;
    }
    const step = operation.script.polls[operation.polls];
    operation.polls += 1;
    const times = { createdDateTime: operation.created, lastUpdatedDateTime: new Date().toISOString() };
    if (step) {
      send(res, 200, { status: step.status, ...times }, step.retryAfter === undefined ? {} : { "retry-after": String(step.retryAfter) });
    } else if (operation.script.fail) {
      const { code, message, innerCode } = operation.script.fail;
      send(res, 200, { status: "failed", ...times, ...error(code, message, innerCode) });
    } else {
      send(res, 200, { status: "succeeded", ...times, analyzeResult: options.analyze(operation.document, operation.modelId) });
    }
    return 200;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const record = (status: number) => requests.push({ method: req.method ?? "", path: url.pathname, at, status, bodyBytes: body.length });
      if (req.headers["ocp-apim-subscription-key"] !== options.key) {
        send(res, 401, error("401", "Access denied due to invalid subscription key or wrong API endpoint."));
        return record(401);
      }
      if (url.searchParams.get("api-version") !== API_VERSION) {
        send(res, 404, error("404", "Resource not found"));
        return record(404);
      }
      const analyzeMatch = /^\/formrecognizer\/documentModels\/([^/:]+):analyze$/.exec(url.pathname);
      const pollMatch = /^\/formrecognizer\/documentModels\/[^/]+\/analyzeResults\/([^/]+)$/.exec(url.pathname);
      if (req.method === "POST" && analyzeMatch) return record(analyze(res, analyzeMatch[1]!, body));
      if (req.method === "GET" && pollMatch) return record(poll(res, pollMatch[1]!));
      send(res, 404, error("404", "Resource not found"));
      record(404);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}/`,
    requests,
    script(next) {
      script = { ...DEFAULT_SCRIPT, ...next };
    },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

/** Values for {@link prebuiltInvoiceResult}. */
export interface InvoiceResultSpec {
  readonly content: string;
  readonly vendorName?: string;
  readonly invoiceId?: string;
  /** `[valueDate, content]`; a missing valueDate is what the service sends when it cannot normalise. */
  readonly invoiceDate?: readonly [string | undefined, string];
  readonly total?: { readonly amount: number; readonly symbol?: string; readonly code?: string; readonly content: string };
  readonly items?: readonly { readonly description: string; readonly quantity: number; readonly amount: number }[];
}

/** An `analyzeResult` shaped like the prebuilt-invoice model's (2023-07-31) for `spec`. */
export function prebuiltInvoiceResult(spec: InvoiceResultSpec): Record<string, unknown> {
  const span = (text: string) => {
    const offset = Math.max(0, spec.content.indexOf(text));
    return [{ offset, length: text.length }];
  };
  const str = (value: string, confidence: number) => ({ type: "string", valueString: value, content: value, confidence, spans: span(value) });
  const fields: Record<string, unknown> = {};
  if (spec.vendorName) fields["VendorName"] = str(spec.vendorName, 0.94);
  if (spec.invoiceId) fields["InvoiceId"] = str(spec.invoiceId, 0.97);
  if (spec.invoiceDate) {
    const [valueDate, content] = spec.invoiceDate;
    fields["InvoiceDate"] = { type: "date", ...(valueDate ? { valueDate } : {}), content, confidence: 0.96, spans: span(content) };
  }
  if (spec.total) {
    const { amount, symbol, code, content } = spec.total;
    fields["InvoiceTotal"] = {
      type: "currency",
      valueCurrency: { amount, ...(symbol ? { currencySymbol: symbol } : {}), ...(code ? { currencyCode: code } : {}) },
      content,
      confidence: 0.91,
      spans: span(content),
    };
  }
  if (spec.items) {
    fields["Items"] = {
      type: "array",
      valueArray: spec.items.map((item) => ({
        type: "object",
        confidence: 0.9,
        valueObject: {
          Description: str(item.description, 0.93),
          Quantity: { type: "number", valueNumber: item.quantity, content: String(item.quantity), confidence: 0.95 },
          Amount: { type: "currency", valueCurrency: { amount: item.amount }, content: String(item.amount), confidence: 0.9 },
        },
      })),
    };
  }
  const whole = [{ offset: 0, length: spec.content.length }];
  return {
    apiVersion: API_VERSION,
    modelId: "prebuilt-invoice",
    stringIndexType: "utf16CodeUnit",
    content: spec.content,
    pages: [{ pageNumber: 1, angle: 0, width: 8.5, height: 11, unit: "inch", words: [], lines: [], spans: whole }],
    tables: [],
    styles: [],
    documents: [{ docType: "invoice", boundingRegions: [{ pageNumber: 1, polygon: [0, 0, 8.5, 0, 8.5, 11, 0, 11] }], fields, confidence: 1, spans: whole }],
  };
}
