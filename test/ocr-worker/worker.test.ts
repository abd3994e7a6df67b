import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createEnvelope } from "../../lib/bus/index.ts";
import type { Envelope } from "../../lib/bus/index.ts";
import { envReader, readPlatformConfig } from "../../lib/config/index.ts";
import { startPlatform } from "../../lib/runtime/index.ts";
import type { Platform, RunningService } from "../../lib/runtime/index.ts";
import { INVOICE_CONTAINER } from "../../lib/warranty/index.ts";
import { QUEUES } from "../../lib/messages/index.ts";
import { ocrService, readOcrServiceConfig } from "../../services/ocr/main.ts";
import { TEXT_INVOICES, encryptedPdf, manyPagesPdf, textPdf } from "../support/invoices.ts";
import { testLogger, uniquePrefix } from "../support/bus.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { seedCatalog } from "../registration/stack.ts";

interface Outcome {
  ocr_status: string;
  ocr_result: Record<string, unknown> | null;
}

describe("OCR worker service (local engine, postgres bus, real blob storage)", () => {
  let db: TestDatabase;
  let platform: Platform;
  let service: RunningService;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedCatalog(db.pool);
    const env = envReader({
      DATABASE_URL: db.url,
      AZURE_STORAGE_CONNECTION_STRING: inject("storageConnectionString"),
      BLOB_CONTAINER_PREFIX: `t${randomUUID().slice(0, 8)}-`,
      QUEUE_PREFIX: uniquePrefix(),
      JWT_SECRET: "ocr-worker-test-secret-long-enough-for-hs256",
      MAX_ATTEMPTS: "3",
      RETRY_BASE_MS: "50",
      RETRY_MAX_MS: "200",
      OCR_MAX_PAGES: "3",
    });
    const platformConfig = readPlatformConfig(env);
    const config = readOcrServiceConfig(env);
    env.done();
    platform = await startPlatform(platformConfig, testLogger());
    service = await ocrService.start(platform, config);
  });
  afterAll(async () => {
    await service?.stop();
    await platform?.stop();
    await db?.drop();
  });

  /** Stores a product of Acme WM-1200 bought on `purchaseDate` with `bytes` as its invoice, and asks for OCR. */
  async function requestOcr(bytes: Uint8Array, purchaseDate = "2024-03-05"): Promise<{ id: string; envelope: Envelope }> {
    const id = randomUUID();
    const blobName = `owner/${id}`;
    await platform.blob.upload(INVOICE_CONTAINER, blobName, Readable.from([Buffer.from(bytes)]));
    await db.pool.query(
      `insert into products (id, owner_id, brand_id, model_id, serial_number, purchase_date, warranty_expires_on, invoice_blob, invoice_content_type)
       select $1, 'owner', b.id, m.id, $2, $3, '2030-01-01', $4, 'application/pdf'
         from brands b join product_models m on m.brand_id = b.id where b.name = 'Acme' and m.model_number = 'WM-1200'`,
      [id, `ABC${Math.floor(Math.random() * 900 + 100)}`, purchaseDate, blobName],
    );
    const envelope = createEnvelope("ocr.requested", { productId: id, invoiceBlob: blobName, contentType: "application/pdf" });
    await platform.bus.publish(QUEUES.ocr, envelope);
    return { id, envelope };
  }

  async function settled(id: string): Promise<Outcome> {
    return waitFor(
      async () => {
        const { rows } = await db.pool.query<Outcome>("select ocr_status, ocr_result from products where id = $1", [id]);
        return rows[0] && rows[0].ocr_status !== "pending" ? rows[0] : undefined;
      },
      { timeoutMs: 45_000, what: `the OCR outcome of ${id}` },
    );
  }

  it("stores the fields, the engine and the verification; a redelivery changes nothing", async () => {
    const { id, envelope } = await requestOcr(await textPdf(TEXT_INVOICES[1]!));
    const first = await settled(id);
    expect(first.ocr_status).toBe("verified");
    expect(first.ocr_result).toMatchObject({
      engine: "local",
      source: "pdf-text",
      pageCount: 1,
      fields: {
        vendorName: { value: "Northwind Traders Inc.", confidence: null },
        invoiceId: { value: "10045" },
        total: { value: 1299 },
        currency: { value: "USD" },
        lineItems: [{ description: "Refrigerator RF-550", quantity: 1, unitPrice: 1199, amount: 1199 }],
      },
      verification: { status: "verified", invoiceDate: "2024-03-05", modelNumber: "not-found" },
    });
    await db.pool.query("update products set ocr_status = 'pending' where id = $1", [id]);
    await platform.bus.publish(QUEUES.ocr, envelope);
    const again = await settled(id);
    expect({ ...again.ocr_result, analyzedAt: null }).toEqual({ ...first.ocr_result, analyzedAt: null });
  });

  it.each([
    ["an encrypted PDF", () => encryptedPdf(), "OCR_ENCRYPTED_PDF"],
    ["a PDF with more pages than allowed", () => manyPagesPdf(4), "OCR_TOO_MANY_PAGES"],
    ["bytes that are no document", async () => Buffer.from("%PDF-1.7 garbage"), "OCR_CORRUPT_FILE"],
  ])("marks the product unreadable for %s and dead-letters the request with the reason", async (_what, make, code) => {
    const { id, envelope } = await requestOcr(await make());
    const outcome = await settled(id);
    expect(outcome.ocr_status).toBe("unreadable");
    expect(outcome.ocr_result).toMatchObject({ engine: "local", error: { code }, verification: { status: "unreadable" } });
    const dead = await waitFor(() => platform.bus.deadLetters.get(QUEUES.ocr, envelope.id), { what: "the dead letter" });
    expect(dead).toMatchObject({ attempts: 1, reason: { code } });
  });

  it("dead-letters a request for a product that does not exist", async () => {
    const envelope = createEnvelope("ocr.requested", { productId: randomUUID(), invoiceBlob: "owner/none", contentType: "application/pdf" });
    await platform.bus.publish(QUEUES.ocr, envelope);
    const dead = await waitFor(() => platform.bus.deadLetters.get(QUEUES.ocr, envelope.id), { what: "the dead letter" });
    expect(dead.reason.code).toBe("PRODUCT_NOT_FOUND");
  });
});
