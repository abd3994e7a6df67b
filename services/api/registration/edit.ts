import type { PoolClient } from "pg";
import type { Principal } from "../../../lib/auth/index.ts";
import { isUniqueViolation, withTransaction } from "../../../lib/db/index.ts";
import type { Pool } from "../../../lib/db/index.ts";
import { AppError } from "../../../lib/errors/index.ts";
import type { OcrRequested } from "../../../lib/messages/index.ts";
import { enqueueOutbox } from "../../../lib/outbox/index.ts";
import { resolveRegistration, serialTaken } from "../../../lib/warranty/index.ts";
import type { RegistrationEntries } from "../../../lib/warranty/index.ts";

/** The fields a product edit may change. */
export type ProductEdit = Partial<RegistrationEntries>;

interface Current {
  readonly owner_id: string;
  readonly brand: string;
  readonly model_number: string;
  readonly serial_number: string;
  readonly purchase_date: string;
  readonly invoice_blob: string;
  /** Written only from a schema-checked `registration.submitted`, so one of the invoice types. */
  readonly invoice_content_type: OcrRequested["contentType"];
  readonly locked: boolean;
}

/**
 * Edits a stored product until its first service request exists (then 409 `PRODUCT_LOCKED`),
 * checking the result like a new registration. The row lock serialises the edit with the
 * creation of a service request. The invoice is read again against the new entries: the OCR
 * outcome resets to pending and `ocr.requested` goes to the outbox in the same transaction.
 */
export async function editProduct(pool: Pool, caller: Principal, id: string, edit: ProductEdit, correlationId: string): Promise<void> {
  try {
    await withTransaction(pool, async (client) => {
      const current = await lockProduct(client, id);
      if (current === undefined || (caller.role === "consumer" && current.owner_id !== caller.subject)) throw notFound(id);
      if (current.locked) {
        throw new AppError("PRODUCT_LOCKED", "the product has a service request and can no longer be edited", { status: 409 });
      }
      const entries: RegistrationEntries = {
        brand: edit.brand ?? current.brand,
        modelNumber: edit.modelNumber ?? current.model_number,
        serialNumber: edit.serialNumber ?? current.serial_number,
        purchaseDate: edit.purchaseDate ?? current.purchase_date,
      };
      const resolved = await resolveRegistration(client, entries, { exceptProductId: id });
      await client.query(
        `update products set brand_id = $2, model_id = $3, serial_number = $4, purchase_date = $5, warranty_expires_on = $6,
                ocr_status = 'pending', ocr_result = null, updated_at = now()
          where id = $1`,
        [id, resolved.model.brandId, resolved.model.modelId, resolved.serialNumber, resolved.purchaseDate, resolved.warrantyExpiresOn],
      );
      const payload = { productId: id, invoiceBlob: current.invoice_blob, contentType: current.invoice_content_type };
      await enqueueOutbox(client, "ocr.requested", payload, { correlationId });
    });
  } catch (error) {
    // Another product took the serial between the check and the update.
    if (isUniqueViolation(error)) throw serialTaken(edit.brand ?? "the brand", edit.serialNumber ?? "");
    throw error;
  }
}

async function lockProduct(client: PoolClient, id: string): Promise<Current | undefined> {
  const { rows } = await client.query<Current>(
    `select p.owner_id, b.name as brand, m.model_number, p.serial_number, p.purchase_date::text,
            p.invoice_blob, p.invoice_content_type,
            exists (select 1 from service_requests s where s.product_id = p.id) as locked
       from products p join brands b on b.id = p.brand_id join product_models m on m.id = p.model_id
      where p.id = $1 for update of p`,
    [id],
  );
  return rows[0];
}

/** The 404 for a product the caller may not see, whether or not it exists. */
export function notFound(id: string): AppError {
  return new AppError("PRODUCT_NOT_FOUND", `no product ${id}`, { status: 404, details: { id } });
}
