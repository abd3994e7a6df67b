import type { Readable } from "node:stream";
import type { BlobStore } from "../../lib/blob/index.ts";
import type { MessageHandler } from "../../lib/bus/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { AppError, isAppError } from "../../lib/errors/index.ts";
import { QUEUES, handleQueue } from "../../lib/messages/index.ts";
import { INVOICE_CONTAINER } from "../../lib/warranty/index.ts";
import { OCR_ERROR_CODES } from "./engines/index.ts";
import type { InvoiceExtraction, OcrEngine } from "./engines/index.ts";
import type { ExtractedField } from "./extract/index.ts";
import { verifyInvoice } from "./verify.ts";
import type { RegistrationEntries, Verification } from "./verify.ts";
export interface OcrHandlerDeps {
  readonly pool: Pool;
  readonly blob: BlobStore;
  readonly engine: OcrEngine;
  readonly toleranceDays: number;
  /** Largest invoice read into memory for the engine. */
  readonly maxFileBytes: number;
}

/**
 * Reads a product's invoice with the configured engine, checks it against what the consumer
 * entered and stores the outcome on the product (an update by id, so redelivery is harmless).
 * Transient failures throw and are retried. A file that can never be read marks the product
 * `unreadable` with the reason and is then rethrown, so the message dead-letters with it too.
 */
export function createOcrHandler(deps: OcrHandlerDeps): MessageHandler {
  return handleQueue(QUEUES.ocr, async (message, ctx) => {
    const request = message.payload;
    const entries = await loadEntries(deps.pool, request.productId);
    if (entries === undefined) {
      throw new AppError("PRODUCT_NOT_FOUND", `product ${request.productId} does not exist`, { status: 404 });
    }
    let extraction: InvoiceExtraction;
    try {
      const bytes = await readAll(await deps.blob.download(INVOICE_CONTAINER, request.invoiceBlob), deps.maxFileBytes);
      extraction = await deps.engine.analyze({ bytes, contentType: request.contentType }, { signal: ctx.signal });
    } catch (error) {
      if (isAppError(error) && !error.retryable) {
        const verification = { status: "unreadable" as const, reason: error.message };
        await storeOutcome(deps.pool, request.productId, "unreadable", {
          engine: deps.engine.name,
          error: { code: error.code, message: error.message },
          verification,
          analyzedAt: new Date().toISOString(),
        });
        ctx.logger.warn({ productId: request.productId, code: error.code }, "invoice unreadable");
      }
      throw error;
    }
    const verification = verifyInvoice(extraction, entries, { toleranceDays: deps.toleranceDays });
    await storeOutcome(deps.pool, request.productId, verification.status, outcomeOf(extraction, verification));
  });
}

async function loadEntries(pool: Pool, productId: string): Promise<RegistrationEntries | undefined> {
  const { rows } = await pool.query<RegistrationEntries>(
    `select p.purchase_date::text as "purchaseDate", m.model_number as "modelNumber", p.serial_number as "serialNumber"
       from products p join product_models m on m.id = p.model_id where p.id = $1`,
    [productId],
  );
  return rows[0];
}

async function storeOutcome(pool: Pool, productId: string, status: Verification["status"], result: unknown): Promise<void> {
  await pool.query("update products set ocr_status = $2, ocr_result = $3, updated_at = now() where id = $1", [
    productId,
    status,
    JSON.stringify(result),
  ]);
}

/** What the card shows: each field with its confidence, the lines, the engine and the verification. */
function outcomeOf(extraction: InvoiceExtraction, verification: Verification): Record<string, unknown> {
  const field = <T>(f: ExtractedField<T> | undefined) =>
    f === undefined ? null : { value: f.value, confidence: f.confidence ?? null, ...(f.alternatives ? { alternatives: f.alternatives } : {}) };
  return {
    engine: extraction.engine,
    source: extraction.source,
    pageCount: extraction.pageCount,
    fields: {
      vendorName: field(extraction.vendorName),
      invoiceId: field(extraction.invoiceId),
      invoiceDate: field(extraction.invoiceDate),
      total: field(extraction.total),
      currency: field(extraction.currency),
      lineItems: extraction.lineItems,
    },
    verification,
    analyzedAt: new Date().toISOString(),
  };
}

/** Reads a download whole, refusing more than `maxBytes` (the engines need the bytes in one piece). */
async function readAll(body: Readable, maxBytes: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new AppError(OCR_ERROR_CODES.fileTooLarge, `the invoice is larger than ${maxBytes} bytes`, { status: 422 });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
