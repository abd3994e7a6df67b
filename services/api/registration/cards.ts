import type { BlobStore } from "../../../lib/blob/index.ts";
import type { Pool } from "../../../lib/db/index.ts";
import { INVOICE_CONTAINER, warrantyState } from "../../../lib/warranty/index.ts";

/** How long the invoice link on a card works. */
export const INVOICE_URL_SECONDS = 300;

/** The digital warranty card, as `GET /api/v1/products/{id}` shows it. */
export interface WarrantyCard {
  readonly id: string;
  readonly status: "pending" | "active" | "expired" | "rejected";
  readonly rejection?: { readonly code: string; readonly reason: string };
  readonly brand: string;
  readonly modelNumber: string;
  readonly modelName?: string;
  readonly serialNumber: string;
  readonly purchaseDate: string;
  readonly warrantyExpiresOn?: string;
  readonly daysLeft?: number;
  readonly invoice: { readonly url: string; readonly contentType: string; readonly expiresAt: string };
  readonly ocr?: { readonly status: string; readonly result: unknown };
  readonly createdAt: string;
}

/** One row of either table, before the card is built. */
interface CardRow {
  readonly id: string;
  readonly owner_id: string;
  readonly kind: "product" | "registration";
  readonly status: string;
  readonly rejection_code: string | null;
  readonly rejection_reason: string | null;
  readonly brand: string;
  readonly model_number: string;
  readonly model_name: string | null;
  readonly serial_number: string;
  readonly purchase_date: string;
  readonly warranty_expires_on: string | null;
  readonly invoice_blob: string;
  readonly invoice_content_type: string;
  readonly ocr_status: string | null;
  readonly ocr_result: unknown;
  readonly created_at: Date;
}

// Stored products first; registrations only while they are not (yet) products.
const CARDS = `
  select p.id::text, p.owner_id, 'product' as kind, p.status, null as rejection_code, p.rejection_reason,
         b.name as brand, m.model_number, m.model_name, p.serial_number, p.purchase_date::text,
         p.warranty_expires_on::text, p.invoice_blob, p.invoice_content_type, p.ocr_status, p.ocr_result, p.created_at
    from products p join brands b on b.id = p.brand_id join product_models m on m.id = p.model_id
  union all
  select r.id::text, r.owner_id, 'registration', r.status, r.rejection_code, r.rejection_reason,
         r.brand, r.model_number, null, r.serial_number, r.purchase_date::text,
         null, r.invoice_blob, r.invoice_content_type, null, null, r.created_at
    from registrations r where r.status <> 'stored'`;

/** The card of product or registration `id` with its owner, or undefined when neither exists. */
export async function loadCard(
  pool: Pool,
  blob: BlobStore,
  id: string,
): Promise<{ readonly ownerId: string; readonly card: WarrantyCard } | undefined> {
  const { rows } = await pool.query<CardRow>(`select * from (${CARDS}) c where c.id = $1::uuid::text`, [id]);
  const row = rows[0];
  if (row === undefined) return undefined;
  return { ownerId: row.owner_id, card: await toCard(blob, row) };
}

/** The owner's cards, newest first. */
export async function listCards(pool: Pool, blob: BlobStore, ownerId: string, limit: number): Promise<WarrantyCard[]> {
  const { rows } = await pool.query<CardRow>(
    `select * from (${CARDS}) c where c.owner_id = $1 order by c.created_at desc, c.id limit $2`,
    [ownerId, limit],
  );
  return Promise.all(rows.map((row) => toCard(blob, row)));
}

async function toCard(blob: BlobStore, row: CardRow): Promise<WarrantyCard> {
  const url = await blob.signedUrl(INVOICE_CONTAINER, row.invoice_blob, { expiresInSeconds: INVOICE_URL_SECONDS });
  const base = {
    id: row.id,
    brand: row.brand,
    modelNumber: row.model_number,
    ...(row.model_name === null ? {} : { modelName: row.model_name }),
    serialNumber: row.serial_number,
    purchaseDate: row.purchase_date,
    invoice: {
      url,
      contentType: row.invoice_content_type,
      expiresAt: new Date(Date.now() + INVOICE_URL_SECONDS * 1000).toISOString(),
    },
    createdAt: row.created_at.toISOString(),
  };
  const rejection =
    row.status === "rejected"
      ? { rejection: { code: row.rejection_code ?? "REJECTED", reason: row.rejection_reason ?? "rejected" } }
      : {};
  if (row.kind === "registration" || row.warranty_expires_on === null) {
    return { ...base, status: row.status === "rejected" ? "rejected" : "pending", ...rejection };
  }
  const state = warrantyState(row.warranty_expires_on);
  return {
    ...base,
    status: row.status === "rejected" ? "rejected" : state.status,
    ...rejection,
    warrantyExpiresOn: row.warranty_expires_on,
    daysLeft: state.daysLeft,
    ocr: { status: row.ocr_status ?? "pending", result: row.ocr_result ?? null },
  };
}
