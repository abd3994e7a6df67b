import type { ValidInput } from "../../../lib/http/index.ts";
import { principalOf } from "../../../lib/http/index.ts";
import { listProductModels } from "../../../lib/warranty/index.ts";
import type { PoolRouteDeps, RouteModule } from "../route-module.ts";

type ModelQuery = { brand?: string; q?: string; cursor?: string; limit?: number };

/** `GET /api/v1/product-models`: browse and search the catalog the imports fill. */
export function productModelRoutes(deps: PoolRouteDeps): RouteModule {
  const { pool } = deps;
  return (registry) => {
    registry.add<ValidInput<undefined, ModelQuery>>({
      method: "get",
      path: "/api/v1/product-models",
      operationId: "listProductModels",
      summary: "Product models by brand and model number, searchable, a page at a time",
      description: "Super admins see every brand; a brand admin sees only their own brand's models, whatever `brand` says.",
      tags: ["catalog"],
      roles: ["super_admin", "brand_admin"],
      request: { query: "product-models/query.json" },
      responses: { 200: { description: "A page of models", schema: "product-models/list.json" } },
      handler: async (c, input) => {
        const principal = principalOf(c);
        const { brand, q, cursor, limit } = input.query;
        const scope = principal.role === "brand_admin" ? principal.brand : brand;
        return c.json(
          await listProductModels(pool, {
            ...(scope === undefined ? {} : { brand: scope }),
            ...(q === undefined ? {} : { search: q }),
            ...(cursor === undefined ? {} : { cursor }),
            limit: limit ?? 50,
          }),
        );
      },
    });
  };
}
