import type { BlobStore } from "../../../lib/blob/index.ts";
import type { Bus } from "../../../lib/bus/index.ts";
import type { Pool } from "../../../lib/db/index.ts";
import { AppError } from "../../../lib/errors/index.ts";
import { publish } from "../../../lib/messages/index.ts";
import { INVOICE_CONTAINER, resolveRegistration } from "../../../lib/warranty/index.ts";
import type { RegistrationEntries } from "../../../lib/warranty/index.ts";
import { REGISTRATION_FIELDS } from "./upload.ts";
import type { FieldPrecheck, StoredInvoice, UploadedForm } from "./upload.ts";

const MAX_LENGTH: Readonly<Record<(typeof REGISTRATION_FIELDS)[number], number>> = {
  brand: 100,
  modelNumber: 64,
  serialNumber: 100,
  purchaseDate: 10,
};

/** The catalog checks of {@link submitRegistration}, for `readRegistrationForm` to run alongside the upload. */
export function registrationPrecheck(deps: SubmitDeps): FieldPrecheck {
  return async (fields) => {
    checkLengths(fields);
    await resolveRegistration(deps.pool, fields);
  };
}

/** What accepting a registration needs. */
export interface SubmitDeps {
  readonly pool: Pool;
  readonly bus: Bus;
  readonly blob: BlobStore;
}

/**
 * Checks a read form (fields present, catalog rules unless the precheck already applied them), records it as a pending registration
 * and publishes `registration.submitted`. Whatever fails, the invoice blob and the pending
 * record are removed, so a refused or unaccepted registration leaves nothing behind.
 */
export async function submitRegistration(
  deps: SubmitDeps,
  form: UploadedForm,
  ownerId: string,
  correlationId: string,
): Promise<void> {
  let recorded = false;
  try {
    const { entries, invoice } = requireFields(form);
    if (!form.prechecked) await resolveRegistration(deps.pool, entries);
    await insertRegistration(deps.pool, form.id, ownerId, entries, invoice, correlationId);
    recorded = true;
    const payload = { registrationId: form.id, ownerId, ...entries, invoice };
    await publish(deps.bus, "registration.submitted", payload, { correlationId }).catch(
      (error: unknown) => {
        throw new AppError("REGISTRATION_UNAVAILABLE", "the registration could not be queued; try again", {
          status: 503,
          retryable: true,
          cause: error,
        });
      },
    );
  } catch (error) {
    if (recorded) await deps.pool.query("delete from registrations where id = $1", [form.id]).catch(() => undefined);
    if (form.invoice) await deps.blob.delete(INVOICE_CONTAINER, form.invoice.blob).catch(() => undefined);
    throw error;
  }
}

function requireFields(form: UploadedForm): { entries: RegistrationEntries; invoice: StoredInvoice } {
  const missing = [...REGISTRATION_FIELDS.filter((name) => !form.fields[name]), ...(form.invoice ? [] : ["invoice"])];
  if (missing.length > 0 || form.invoice === undefined) {
    throw new AppError("VALIDATION_FAILED", `request is invalid: missing ${missing.join(", ")}`, {
      status: 422,
      details: { problems: missing.map((name) => ({ location: "body", field: `/${name}`, message: "is required" })) },
    });
  }
  checkLengths(form.fields);
  const { brand = "", modelNumber = "", serialNumber = "", purchaseDate = "" } = form.fields;
  return { entries: { brand, modelNumber, serialNumber, purchaseDate }, invoice: form.invoice };
}

function checkLengths(fields: UploadedForm["fields"]): void {
  const tooLong = REGISTRATION_FIELDS.filter((name) => (fields[name] ?? "").length > MAX_LENGTH[name]);
  if (tooLong.length > 0) {
    throw new AppError("VALIDATION_FAILED", `request is invalid: too long: ${tooLong.join(", ")}`, {
      status: 422,
      details: {
        problems: tooLong.map((name) => ({ location: "body", field: `/${name}`, message: `must be at most ${MAX_LENGTH[name]} characters` })),
      },
    });
  }
}

async function insertRegistration(
  pool: Pool,
  id: string,
  ownerId: string,
  entries: RegistrationEntries,
  invoice: StoredInvoice,
  correlationId: string,
): Promise<void> {
  await pool.query(
    `insert into registrations (id, owner_id, brand, model_number, serial_number, purchase_date,
                                invoice_blob, invoice_content_type, correlation_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [id, ownerId, entries.brand, entries.modelNumber, entries.serialNumber, entries.purchaseDate, invoice.blob, invoice.contentType, correlationId],
  );
}
