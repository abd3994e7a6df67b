import type { PoolClient } from "pg";
import type { BlobStore } from "../../../lib/blob/index.ts";
import type { MessageHandler } from "../../../lib/bus/index.ts";
import { DB_FAILURES, claimMessage, classifyDbError, withTransaction } from "../../../lib/db/index.ts";
import type { Pool } from "../../../lib/db/index.ts";
import { AppError, isAppError } from "../../../lib/errors/index.ts";
import { QUEUES, handleQueue } from "../../../lib/messages/index.ts";
import type { Message, RegistrationSubmitted } from "../../../lib/messages/index.ts";
import { enqueueOutbox } from "../../../lib/outbox/index.ts";
import { INVOICE_CONTAINER, resolveRegistration, serialTaken } from "../../../lib/warranty/index.ts";
import type { ResolvedRegistration } from "../../../lib/warranty/index.ts";

type Registration = Message<"registration.submitted">;

/** The inbox name of this handler. */
export const REGISTRATION_CONSUMER = "ingest.registration";
export interface RegistrationHandlerDeps {
  readonly pool: Pool;
  readonly blob: BlobStore;
}

/**
 * Stores a registration as a product with its warranty expiry and, in the same transaction,
 * puts `ocr.requested` in the outbox. Idempotent through the inbox (and the product id).
 * Database and storage failures throw and are retried, so the card stays `pending` until the
 * product lands. A registration that can never be stored (its serial raced in first, the
 * model is gone, the invoice is missing) is recorded as rejected with the reason and acked.
 */
export function createRegistrationHandler(deps: RegistrationHandlerDeps): MessageHandler {
  return handleQueue(QUEUES.registration, async (message, ctx) => {
    const { payload } = message;
    const invoicePresent = await deps.blob.exists(INVOICE_CONTAINER, payload.invoice.blob);
    try {
      await withTransaction(deps.pool, async (client) => {
        if (!(await claimMessage(client, REGISTRATION_CONSUMER, message.id))) return;
        if (!invoicePresent) {
          throw new AppError("INVOICE_MISSING", "the invoice is no longer in storage", { status: 422 });
        }
        const resolved = await resolveRegistration(client, payload, { exceptProductId: payload.registrationId });
        await storeProduct(client, message, resolved);
      });
    } catch (error) {
      const refusal = asRefusal(error, payload);
      if (refusal === undefined) throw error;
      ctx.logger.info({ registrationId: payload.registrationId, code: refusal.code }, "registration rejected");
      await withTransaction(deps.pool, async (client) => {
        if (await claimMessage(client, REGISTRATION_CONSUMER, message.id)) await recordRejection(client, message, refusal);
      });
    }
  });
}

async function storeProduct(client: PoolClient, message: Registration, resolved: ResolvedRegistration): Promise<void> {
  const { payload } = message;
  const { model } = resolved;
  await client.query(
    `insert into products (id, owner_id, brand_id, model_id, serial_number, purchase_date, warranty_expires_on,
                           invoice_blob, invoice_content_type, correlation_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (id) do nothing`,
    [
      payload.registrationId,
      payload.ownerId,
      model.brandId,
      model.modelId,
      resolved.serialNumber,
      resolved.purchaseDate,
      resolved.warrantyExpiresOn,
      payload.invoice.blob,
      payload.invoice.contentType,
      message.correlationId,
    ],
  );
  await client.query("update registrations set status = 'stored', updated_at = now() where id = $1", [payload.registrationId]);
  const request = { productId: payload.registrationId, invoiceBlob: payload.invoice.blob, contentType: payload.invoice.contentType };
  await enqueueOutbox(client, "ocr.requested", request, { correlationId: message.correlationId });
}

/** A failure that says the registration itself is unacceptable; undefined for ones worth retrying. */
function asRefusal(error: unknown, payload: RegistrationSubmitted): AppError | undefined {
  switch (classifyDbError(error)) {
    case DB_FAILURES.conflict:
      return serialTaken(payload.brand, payload.serialNumber);
    case DB_FAILURES.poison:
      return isAppError(error) ? error : undefined;
    case DB_FAILURES.unavailable:
      return undefined;
  }
}

/** Upserts the registration as rejected, unless it was stored meanwhile: the card then shows why. */
async function recordRejection(client: PoolClient, message: Registration, refusal: AppError): Promise<void> {
  const p = message.payload;
  await client.query(
    `insert into registrations (id, owner_id, status, brand, model_number, serial_number, purchase_date,
                                invoice_blob, invoice_content_type, rejection_code, rejection_reason, correlation_id)
     values ($1, $2, 'rejected', $3, $4, $5, $6, $7, $8, $9, $10, $11)
     on conflict (id) do update
       set status = 'rejected', rejection_code = excluded.rejection_code, rejection_reason = excluded.rejection_reason, updated_at = now()
       where registrations.status <> 'stored'`,
    [p.registrationId, p.ownerId, p.brand, p.modelNumber, p.serialNumber, p.purchaseDate, p.invoice.blob, p.invoice.contentType, refusal.code, refusal.message, message.correlationId],
  );
}
