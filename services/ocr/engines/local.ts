import type { DateOrder } from "../extract/index.ts";
import { extractInvoiceFields } from "../extract/index.ts";
import type { OcrLimits } from "../config.ts";
import { inspectDocument } from "./inspect.ts";
import { createSandbox } from "./sandbox.ts";
import type { InvoiceExtraction, OcrEngine } from "./types.ts";
import { MAX_TEXT_CHARS } from "./types.ts";

/** Settings of {@link createLocalEngine}. */
export interface LocalEngineOptions {
  readonly limits: OcrLimits;
  readonly dateOrder: DateOrder;
}

/**
 * The offline engine: the PDF text layer through pdf.js (unpdf), images and scanned PDFs
 * through tesseract.js with the English model from `@tesseract.js-data/eng`. All decoding
 * runs in a sandbox process; this process only checks headers and parses the text.
 */
export function createLocalEngine(options: LocalEngineOptions): OcrEngine {
  const { limits } = options;
  const sandbox = createSandbox({ timeoutMs: limits.timeoutMs, memoryMb: limits.workerMemoryMb });
  return {
    name: "local",
    async analyze(input, { signal }): Promise<InvoiceExtraction> {
      const inspected = inspectDocument(input.bytes, limits);
      const read = await sandbox.run(
        {
          kind: inspected.kind,
          bytes: input.bytes,
          limits: { maxPages: limits.maxPages, maxPixels: limits.maxPixels, maxInflatedBytes: limits.maxInflatedBytes },
        },
        signal,
      );
      const fields = extractInvoiceFields(read.lines, { dateOrder: options.dateOrder });
      return {
        ...fields,
        engine: "local",
        source: read.source,
        pageCount: read.pageCount,
        text: read.lines.map((l) => l.text).join("\n").slice(0, MAX_TEXT_CHARS),
      };
    },
    close: () => sandbox.close(),
  };
}
