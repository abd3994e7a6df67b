import type { EnvReader } from "../../lib/config/index.ts";
import { DATE_ORDERS } from "./extract/index.ts";
import type { DateOrder } from "./extract/index.ts";

/** Which engine reads invoices. */
export const OCR_ENGINES = ["local", "azure"] as const;
export type OcrEngineKind = (typeof OCR_ENGINES)[number];

/** Bounds that keep a hostile file from exhausting the worker. */
export interface OcrLimits {
  readonly maxFileBytes: number;
  readonly maxPages: number;
  /** Width × height of one image or rendered page. */
  readonly maxPixels: number;
  /** Total bytes all compressed PDF streams may inflate to. */
  readonly maxInflatedBytes: number;
  /** Wall time for one document. */
  readonly timeoutMs: number;
  /** V8 heap of the sandbox process that parses and OCRs files. */
  readonly workerMemoryMb: number;
}

/** Azure Document Intelligence connection. */
export interface AzureOcrConfig {
  readonly endpoint: string;
  readonly key: string;
  readonly pollIntervalMs: number;
  /** True only for a plain-http loopback endpoint (a local double); the SDK refuses http otherwise. */
  readonly allowInsecureConnection: boolean;
}

/** Variables of the OCR worker. */
export interface OcrConfig {
  readonly engine: OcrEngineKind;
  /** Present when `engine` is `azure`. */
  readonly azure: AzureOcrConfig | undefined;
  /** How `05/03/2024` is read when both numbers could be the month. */
  readonly dateOrder: DateOrder;
  /** How far the invoice date may be from the entered purchase date and still verify. */
  readonly dateToleranceDays: number;
  readonly limits: OcrLimits;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Reads the OCR worker's variables into `env`'s problem list (the caller calls `env.done()`). */
export function readOcrConfig(env: EnvReader): OcrConfig {
  const engine = env.oneOf("OCR_ENGINE", OCR_ENGINES, "local");
  return {
    engine,
    azure: engine === "azure" ? readAzure(env) : undefined,
    dateOrder: env.oneOf("OCR_DATE_ORDER", DATE_ORDERS, "dmy"),
    dateToleranceDays: env.integer("OCR_DATE_TOLERANCE_DAYS", 7, { min: 0, max: 366 }),
    limits: {
      maxFileBytes: env.integer("OCR_MAX_FILE_BYTES", 10 * 1024 * 1024, { min: 1024, max: 512 * 1024 * 1024 }),
      maxPages: env.integer("OCR_MAX_PAGES", 20, { min: 1, max: 2000 }),
      maxPixels: env.integer("OCR_MAX_PIXELS", 40_000_000, { min: 10_000, max: 500_000_000 }),
      maxInflatedBytes: env.integer("OCR_MAX_INFLATED_BYTES", 200 * 1024 * 1024, { min: 1024 * 1024, max: 4 * 1024 ** 3 }),
      timeoutMs: env.integer("OCR_TIMEOUT_MS", 120_000, { min: 1000, max: 3_600_000 }),
      workerMemoryMb: env.integer("OCR_WORKER_MEMORY_MB", 1024, { min: 128, max: 16_384 }),
    },
  };
}

function readAzure(env: EnvReader): AzureOcrConfig | undefined {
  const endpoint = env.optionalUrl("AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT", ["https", "http"]);
  const key = env.optionalString("AZURE_DOCUMENT_INTELLIGENCE_KEY");
  const pollIntervalMs = env.integer("OCR_AZURE_POLL_INTERVAL_MS", 1000, { min: 1, max: 60_000 });
  if (endpoint === undefined) env.problem("AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT", "required when OCR_ENGINE=azure");
  if (key === undefined) env.problem("AZURE_DOCUMENT_INTELLIGENCE_KEY", "required when OCR_ENGINE=azure");
  if (endpoint === undefined || key === undefined) return undefined;
  const url = new URL(endpoint);
  const insecure = url.protocol === "http:";
  if (insecure && !LOOPBACK.has(url.hostname)) {
    env.problem("AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT", "must be https (plain http is accepted only for a loopback address)");
  }
  return { endpoint, key, pollIntervalMs, allowInsecureConnection: insecure };
}
