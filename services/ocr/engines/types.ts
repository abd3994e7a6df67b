import type { InvoiceFields } from "../extract/index.ts";

/** Where the text behind an extraction came from. */
export const TEXT_SOURCES = ["pdf-text", "ocr", "azure-prebuilt-invoice"] as const;
export type TextSource = (typeof TEXT_SOURCES)[number];

/** What an engine read from one invoice. */
export interface InvoiceExtraction extends InvoiceFields {
  /** The engine's `name`, e.g. `local` or `azure`. */
  readonly engine: string;
  readonly source: TextSource;
  readonly pageCount: number;
  /** The document's text in reading order (capped), for matching model and serial numbers. */
  readonly text: string;
}

/** The document handed to an engine. */
export interface OcrInput {
  readonly bytes: Uint8Array;
  /** As declared by the uploader; the engine trusts the file's magic bytes over it. */
  readonly contentType: string;
}

/** One way of reading invoices; chosen by `OCR_ENGINE`. */
export interface OcrEngine {
  readonly name: string;
  /**
   * Reads `input`. Throws a retryable AppError for transient engine failures and a
   * non-retryable one (`OCR_*` codes) for files that can never be read.
   */
  analyze(input: OcrInput, options: { readonly signal: AbortSignal }): Promise<InvoiceExtraction>;
  /** Releases workers and connections; the engine is unusable afterwards. */
  close(): Promise<void>;
}

/** Cap on `InvoiceExtraction.text`, so a result always fits a database row and a log line. */
export const MAX_TEXT_CHARS = 100_000;
