import type { Page, Pool } from "../db/index.ts";
import { CURSOR_PART, decodeCursor, pageOf } from "../db/index.ts";

/** A product model as the catalog read API shows it. */
export interface ProductModelView {
  readonly id: string;
  readonly brand: string;
  readonly modelNumber: string;
  readonly modelName: string;
  readonly category: string;
  readonly warrantyMonths: number;
  readonly releaseDate: string | null;
  readonly serialFormat: string | null;
  readonly updatedAt: string;
}

/** Which models {@link listProductModels} returns. */
export interface ProductModelFilter {
  /** A brand name, any case; a brand admin's own brand is forced here by the route. */
  readonly brand?: string;
  /** Matches anywhere in the model number or name, any case. */
  readonly search?: string;
  readonly cursor?: string;
  readonly limit: number;
}

interface ModelRow extends Omit<ProductModelView, "updatedAt"> {
  readonly updatedAt: Date;
}

/** Models ordered by brand then model number, a page at a time after the opaque cursor. */
export async function listProductModels(pool: Pool, filter: ProductModelFilter): Promise<Page<ProductModelView>> {
  const [brandKey, modelKey] = filter.cursor === undefined ? [null, null] : decodeCursor(filter.cursor, [CURSOR_PART.any, CURSOR_PART.any]);
  const { rows } = await pool.query<ModelRow>(
    `select m.id::text as id, b.name as brand, m.model_number as "modelNumber", m.model_name as "modelName",
            m.category, m.warranty_months as "warrantyMonths", to_char(m.release_date, 'YYYY-MM-DD') as "releaseDate",
            m.serial_format as "serialFormat", m.updated_at as "updatedAt"
       from product_models m join brands b on b.id = m.brand_id
      where ($1::text is null or lower(b.name) = lower($1))
        and ($2::text is null or strpos(lower(m.model_number), lower($2)) > 0 or strpos(lower(m.model_name), lower($2)) > 0)
        and ($3::text is null or (lower(b.name), m.model_number) > (lower($3), $4::text))
      order by lower(b.name), m.model_number
      limit $5`,
    [filter.brand ?? null, filter.search ?? null, brandKey, modelKey, filter.limit + 1],
  );
  return pageOf(
    rows,
    filter.limit,
    (r) => [r.brand, r.modelNumber],
    (r) => ({ ...r, updatedAt: r.updatedAt.toISOString() }),
  );
}
