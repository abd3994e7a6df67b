import type { PoolClient } from "pg";
import type { Pool } from "../db/index.ts";

/** A product model with its brand, as registration needs it. */
export interface CatalogModel {
  readonly brandId: string;
  readonly brandName: string;
  readonly brandSerialFormat: string | null;
  readonly modelId: string;
  readonly modelNumber: string;
  readonly modelName: string;
  readonly warrantyMonths: number;
  readonly modelSerialFormat: string | null;
}

/** What the catalog says about a registration's brand, model and serial. */
export interface CatalogLookup {
  readonly brandFound: boolean;
  /** The model of that brand (exact model number first, then any case). */
  readonly model: CatalogModel | undefined;
  /** A product other than the one being edited that holds the serial (any case). */
  readonly serialHolder: string | undefined;
}

type Queryable = Pool | PoolClient;

interface LookupRow extends Partial<CatalogModel> {
  readonly brandFound: boolean;
  readonly serialHolder: string | null;
}

/**
 * Looks up brand (any case), model and serial holder in one round trip: registration runs it
 * on every request, so three queries would triple its database latency.
 */
export async function lookupCatalog(
  db: Queryable,
  entries: { readonly brand: string; readonly modelNumber: string; readonly serialNumber: string },
  exceptProductId?: string,
): Promise<CatalogLookup> {
  const { rows } = await db.query<LookupRow>(
    `select true as "brandFound", b.id::text as "brandId", b.name as "brandName", b.serial_format as "brandSerialFormat",
            m.id::text as "modelId", m.model_number as "modelNumber", m.model_name as "modelName",
            m.warranty_months as "warrantyMonths", m.serial_format as "modelSerialFormat",
            (select p.id::text from products p
              where p.brand_id = b.id and upper(p.serial_number) = upper($3)
                and ($4::uuid is null or p.id <> $4::uuid) limit 1) as "serialHolder"
       from brands b
       left join product_models m on m.brand_id = b.id and upper(m.model_number) = upper($2)
      where lower(b.name) = lower($1)
      order by (m.model_number = $2) desc nulls last
      limit 1`,
    [entries.brand, entries.modelNumber, entries.serialNumber, exceptProductId ?? null],
  );
  const row = rows[0];
  if (row === undefined) return { brandFound: false, model: undefined, serialHolder: undefined };
  const model: CatalogModel | undefined =
    row.modelId === undefined || row.modelId === null
      ? undefined
      : {
          brandId: row.brandId ?? "",
          brandName: row.brandName ?? "",
          brandSerialFormat: row.brandSerialFormat ?? null,
          modelId: row.modelId,
          modelNumber: row.modelNumber ?? "",
          modelName: row.modelName ?? "",
          warrantyMonths: row.warrantyMonths ?? 0,
          modelSerialFormat: row.modelSerialFormat ?? null,
        };
  return { brandFound: true, model, serialHolder: row.serialHolder ?? undefined };
}
