import { isForeignKeyViolation, isUniqueViolation } from "../../../lib/db/index.ts";
import type { Pool } from "../../../lib/db/index.ts";
import { AppError } from "../../../lib/errors/index.ts";
import type { PoolRouteDeps, RouteModule } from "../route-module.ts";
import { compileSerialFormat } from "../../../lib/serial-format/index.ts";

/** A brand as the API shows it. */
interface BrandView {
  readonly id: string;
  readonly name: string;
  readonly serialFormat: string | null;
}

interface BrandInput {
  readonly name?: string;
  readonly serialFormat?: string | null;
}

const COLUMNS = `id::text as id, name, serial_format as "serialFormat"`;
const ADMIN = ["super_admin"] as const;

/** `/api/v1/brands`: super admins manage brands (name, serial-number format). */
export function brandRoutes(deps: PoolRouteDeps): RouteModule {
  const { pool } = deps;
  return (registry) => {
    registry.add({
      method: "get",
      path: "/api/v1/brands",
      operationId: "listBrands",
      summary: "Every brand, by name",
      tags: ["brands"],
      roles: ADMIN,
      responses: { 200: { description: "The brands", schema: "brand-list.json" } },
      handler: async (c) => c.json({ items: await listBrands(pool) }),
    });
    registry.add<{ body: BrandInput; query: Record<string, unknown>; params: Record<string, unknown> }>({
      method: "post",
      path: "/api/v1/brands",
      operationId: "createBrand",
      summary: "Create a brand",
      description: "Names are unique whatever their case; the serial format must compile (422 SERIAL_FORMAT_INVALID).",
      tags: ["brands"],
      roles: ADMIN,
      request: { body: "brand-create.json" },
      responses: {
        201: { description: "Created", schema: "brand.json" },
        409: { description: "A brand with this name exists", schema: "error.json" },
      },
      handler: async (c, input) => {
        const brand = await createBrand(pool, checkInput(input.body));
        c.header("location", `/api/v1/brands/${brand.id}`);
        return c.json(brand, 201);
      },
    });
    registry.add<{ body: undefined; query: Record<string, unknown>; params: { id: string } }>({
      method: "get",
      path: "/api/v1/brands/:id",
      operationId: "getBrand",
      summary: "One brand",
      tags: ["brands"],
      roles: ADMIN,
      request: { params: "brand-params.json" },
      responses: { 200: { description: "The brand", schema: "brand.json" }, 404: { description: "No such brand", schema: "error.json" } },
      handler: async (c, input) => c.json(await getBrand(pool, input.params.id)),
    });
    registry.add<{ body: BrandInput; query: Record<string, unknown>; params: { id: string } }>({
      method: "patch",
      path: "/api/v1/brands/:id",
      operationId: "updateBrand",
      summary: "Rename a brand or change its serial format",
      tags: ["brands"],
      roles: ADMIN,
      request: { params: "brand-params.json", body: "brand-update.json" },
      responses: {
        200: { description: "Updated", schema: "brand.json" },
        404: { description: "No such brand", schema: "error.json" },
        409: { description: "A brand with this name exists", schema: "error.json" },
      },
      handler: async (c, input) => c.json(await updateBrand(pool, input.params.id, checkInput(input.body))),
    });
    registry.add<{ body: undefined; query: Record<string, unknown>; params: { id: string } }>({
      method: "delete",
      path: "/api/v1/brands/:id",
      operationId: "deleteBrand",
      summary: "Delete a brand that has no product models or products",
      tags: ["brands"],
      roles: ADMIN,
      request: { params: "brand-params.json" },
      responses: {
        204: { description: "Deleted" },
        404: { description: "No such brand", schema: "error.json" },
        409: { description: "The brand is still in use", schema: "error.json" },
      },
      handler: async (c, input) => {
        await deleteBrand(pool, input.params.id);
        return c.body(null, 204);
      },
    });
  };
}

function checkInput(body: BrandInput): BrandInput {
  if (typeof body.serialFormat === "string") compileSerialFormat(body.serialFormat);
  return body.name === undefined ? body : { ...body, name: body.name.trim() };
}

async function listBrands(pool: Pool): Promise<BrandView[]> {
  return (await pool.query<BrandView>(`select ${COLUMNS} from brands order by lower(name)`)).rows;
}

async function getBrand(pool: Pool, id: string): Promise<BrandView> {
  const { rows } = await pool.query<BrandView>(`select ${COLUMNS} from brands where id = $1`, [id]);
  return rows[0] ?? notFound(id);
}

async function createBrand(pool: Pool, input: BrandInput): Promise<BrandView> {
  const { rows } = await pool
    .query<BrandView>(`insert into brands (name, serial_format) values ($1, $2) returning ${COLUMNS}`, [
      input.name,
      input.serialFormat ?? null,
    ])
    .catch((error: unknown) => conflict(error, input.name));
  return rows[0] as BrandView;
}

async function updateBrand(pool: Pool, id: string, input: BrandInput): Promise<BrandView> {
  const { rows } = await pool
    .query<BrandView>(
      `update brands set name = coalesce($2, name),
         serial_format = case when $3::boolean then $4 else serial_format end, updated_at = now()
       where id = $1 returning ${COLUMNS}`,
      [id, input.name ?? null, input.serialFormat !== undefined, input.serialFormat ?? null],
    )
    .catch((error: unknown) => conflict(error, input.name));
  return rows[0] ?? notFound(id);
}

async function deleteBrand(pool: Pool, id: string): Promise<void> {
  const { rowCount } = await pool.query("delete from brands where id = $1", [id]).catch((error: unknown) => {
    if (isForeignKeyViolation(error)) {
      throw new AppError("BRAND_IN_USE", "the brand still has product models or products", { status: 409, cause: error });
    }
    throw error;
  });
  if (rowCount !== 1) notFound(id);
}

function conflict(error: unknown, name: string | undefined): never {
  if (isUniqueViolation(error)) {
    throw new AppError("BRAND_EXISTS", `a brand named ${JSON.stringify(name)} exists (names ignore case)`, {
      status: 409,
      cause: error,
    });
  }
  throw error;
}

function notFound(id: string): never {
  throw new AppError("BRAND_NOT_FOUND", `no brand with id ${id}`, { status: 404 });
}
