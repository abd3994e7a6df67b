import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import type { BlobStore } from "../../../lib/blob/index.ts";
import { AppError, isAppError } from "../../../lib/errors/index.ts";
import { multipartBoundary, parseMultipart } from "../../../lib/multipart/index.ts";
import type { MultipartLimits, MultipartPart } from "../../../lib/multipart/index.ts";
import { INVOICE_CONTAINER } from "../../../lib/warranty/index.ts";

/** Largest invoice accepted. */
export const MAX_INVOICE_BYTES = 10 * 1024 * 1024;

/** The text fields of a registration form. */
export const REGISTRATION_FIELDS = ["brand", "modelNumber", "serialNumber", "purchaseDate"] as const;
type FieldName = (typeof REGISTRATION_FIELDS)[number];

/** An invoice stored in blob storage while its form was read. */
export interface StoredInvoice {
  readonly blob: string;
  readonly contentType: InvoiceType;
  readonly size: number;
  readonly sha256: string;
}

/** A registration form read off the wire: the fields as sent and the invoice, if one came. */
export interface UploadedForm {
  readonly id: string;
  readonly fields: Partial<Record<FieldName, string>>;
  readonly invoice: StoredInvoice | undefined;
  /** True when every text field came before the invoice and `precheck` accepted them. */
  readonly prechecked: boolean;
}

/** Checks the text fields while the invoice is stored; throws to refuse the form (the upload is then stopped and removed). */
export type FieldPrecheck = (fields: Readonly<Record<FieldName, string>>) => Promise<void>;

/** The content types an invoice may have, decided by its first bytes. */
export type InvoiceType = "application/pdf" | "image/jpeg" | "image/png";

const MAGIC: readonly { readonly type: InvoiceType; readonly bytes: readonly number[] }[] = [
  { type: "application/pdf", bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { type: "image/jpeg", bytes: [0xff, 0xd8, 0xff] },
  { type: "image/png", bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
];
const SNIFF_BYTES = 8;
const MAX_FIELD_BYTES = 1024;
/** The parser's bounds sit above the form's own, so an oversized invoice or field gets its own 413 or 422. */
const FORM_LIMITS: MultipartLimits = { maxFieldBytes: 64 * 1024, maxFileBytes: MAX_INVOICE_BYTES + 64 * 1024 };

/** The type of a file by its magic bytes, whatever its name or declared type. */
export function sniffInvoiceType(head: Uint8Array): InvoiceType | undefined {
  return MAGIC.find((m) => m.bytes.every((byte, i) => head[i] === byte))?.type;
}

/**
 * Reads a multipart registration form as it arrives. The `invoice` part streams straight to
 * blob storage as `<owner>/<id>`: its first bytes must be PDF, JPEG or PNG (415 otherwise)
 * and it may not pass {@link MAX_INVOICE_BYTES} (413, found while streaming). On any failure
 * the partial blob is gone; after success the caller owns it. When every text field precedes
 * the invoice (browsers send fields in order), `precheck` runs alongside the upload; a refusal
 * stops the upload and removes what it stored.
 */
export async function readRegistrationForm(
  blob: BlobStore,
  request: Request,
  ownerId: string,
  precheck?: FieldPrecheck,
): Promise<UploadedForm> {
  const boundary = multipartBoundary(request.headers.get("content-type") ?? undefined);
  if (request.body === null) throw new AppError("MULTIPART_INVALID", "the request has no body", { status: 400 });
  const id = randomUUID();
  const name = `${encodeURIComponent(ownerId)}/${id}`;
  const fields: Partial<Record<FieldName, string>> = {};
  let invoice: StoredInvoice | undefined;
  let prechecked = false;
  const source = Readable.fromWeb(request.body as never);
  try {
    for await (const part of parseMultipart(source, boundary, FORM_LIMITS)) {
      if (part.name === "invoice") {
        if (invoice !== undefined) throw notAllowed("/invoice", "appears twice");
        const complete = completeFields(fields);
        const check = precheck !== undefined && complete !== undefined ? precheck(complete) : undefined;
        invoice = await storeChecked(blob, name, part, check, () => source.destroy());
        prechecked = check !== undefined;
      } else if ((REGISTRATION_FIELDS as readonly string[]).includes(part.name)) {
        // A field sent again could undo what the precheck accepted.
        if (fields[part.name as FieldName] !== undefined) throw notAllowed(`/${part.name}`, "appears twice");
        fields[part.name as FieldName] = await readField(part);
      } else {
        throw notAllowed(`/${part.name}`, "is not allowed");
      }
    }
  } catch (error) {
    if (invoice !== undefined) await blob.delete(INVOICE_CONTAINER, name).catch(() => undefined);
    throw error;
  }
  return { id, fields, invoice, prechecked };
}

function completeFields(fields: Partial<Record<FieldName, string>>): Record<FieldName, string> | undefined {
  const { brand, modelNumber, serialNumber, purchaseDate } = fields;
  if (!brand || !modelNumber || !serialNumber || !purchaseDate) return undefined;
  return { brand, modelNumber, serialNumber, purchaseDate };
}

/**
 * Stores the invoice while `check` runs, so the catalog round trip hides behind the upload. A
 * refusal wins over any upload outcome: it aborts the upload by ending the request body and,
 * once the upload has settled, removes whatever it stored, so a refused form leaves nothing.
 */
async function storeChecked(
  blob: BlobStore,
  name: string,
  part: MultipartPart,
  check: Promise<void> | undefined,
  abort: () => void,
): Promise<StoredInvoice> {
  const stored = storeInvoice(blob, name, part);
  if (check === undefined) return stored;
  const refusal = check.then(
    () => undefined,
    (error: unknown) => {
      abort();
      return { error };
    },
  );
  const [upload, refused] = await Promise.all([stored.then((value) => ({ value }), (error: unknown) => ({ error })), refusal]);
  if (refused !== undefined) {
    if ("value" in upload) await blob.delete(INVOICE_CONTAINER, name).catch(() => undefined);
    throw refused.error;
  }
  if ("error" in upload) throw upload.error;
  return upload.value;
}

async function storeInvoice(blob: BlobStore, name: string, part: MultipartPart): Promise<StoredInvoice> {
  let contentType: InvoiceType | undefined;
  const sniffed = sniff(part.body, (type) => (contentType = type));
  try {
    const stored = await blob.upload(INVOICE_CONTAINER, name, Readable.from(sniffed), { maxBytes: MAX_INVOICE_BYTES });
    if (contentType === undefined) throw unsupported();
    return { blob: name, contentType, ...stored };
  } catch (error) {
    if (isAppError(error, "BLOB_SOURCE_FAILED") && error.cause instanceof AppError) throw error.cause;
    if (isAppError(error, "BLOB_TOO_LARGE")) {
      throw new AppError("INVOICE_TOO_LARGE", `the invoice exceeds ${MAX_INVOICE_BYTES} bytes`, {
        status: 413,
        details: { maxBytes: MAX_INVOICE_BYTES },
        cause: error,
      });
    }
    throw error;
  }
}

/** Passes the body through once its first bytes name an accepted type; fails with 415 otherwise. */
async function* sniff(body: AsyncIterable<Buffer>, onType: (type: InvoiceType) => void): AsyncGenerator<Buffer> {
  let head: Buffer = Buffer.alloc(0);
  let known = false;
  for await (const chunk of body) {
    if (known) {
      yield chunk;
      continue;
    }
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    if (head.length < SNIFF_BYTES) continue;
    onType(detect(head));
    known = true;
    yield head;
  }
  if (!known) {
    onType(detect(head));
    yield head;
  }
}

function detect(head: Buffer): InvoiceType {
  const type = sniffInvoiceType(head);
  if (type === undefined) throw unsupported();
  return type;
}

async function readField(part: MultipartPart): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of part.body) {
    size += chunk.length;
    if (size > MAX_FIELD_BYTES) throw notAllowed(`/${part.name}`, `is longer than ${MAX_FIELD_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8").trim();
}

function unsupported(): AppError {
  return new AppError("INVOICE_TYPE_UNSUPPORTED", "the invoice must be a PDF, JPEG or PNG file (judged by its content)", {
    status: 415,
    details: { accepted: MAGIC.map((m) => m.type) },
  });
}

function notAllowed(field: string, message: string): AppError {
  return new AppError("VALIDATION_FAILED", `request is invalid: body ${field} ${message}`, {
    status: 422,
    details: { problems: [{ location: "body", field, message }] },
  });
}
