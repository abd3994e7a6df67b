import type { Context } from "hono";
import type { Principal } from "../../../lib/auth/index.ts";
import type { Pool } from "../../../lib/db/index.ts";
import { AppError } from "../../../lib/errors/index.ts";
import { principalOf } from "../../../lib/http/index.ts";
import type { AppEnv, RouteRegistry, ValidInput } from "../../../lib/http/index.ts";
import type { PoolRouteDeps, RouteModule } from "../route-module.ts";
import { brandIdByName, createScript, getScript, listScripts, listVersions, updateScript } from "../../../lib/transformations/index.ts";
import type { TransformationDefinition, TransformationScript } from "../../../lib/transformations/index.ts";

interface CreateBody {
  readonly brand: string;
  readonly name: string;
  readonly default?: boolean;
  readonly definition: TransformationDefinition;
}
type UpdateBody = Omit<CreateBody, "brand" | "name">;
type Id = { id: number };

const TAGS = ["transformations"];
const ROLES = ["super_admin", "brand_admin"] as const;

/**
 * `/api/v1/transformations`: per-brand transformation scripts (DataTransformationFeature).
 * Every change is a new version; the history is kept. A brand admin sees and changes only
 * their own brand's scripts.
 */
export function transformationRoutes(deps: PoolRouteDeps): RouteModule {
  return (registry) => {
    readRoutes(registry, deps.pool);
    writeRoutes(registry, deps.pool);
  };
}

/** The script of `id`, if the caller may see it. */
async function owned(c: Context<AppEnv>, pool: Pool, id: number): Promise<TransformationScript> {
  const script = await getScript(pool, id);
  checkBrand(principalOf(c), script.brand, id);
  return script;
}

function readRoutes(registry: RouteRegistry, pool: Pool): void {
  registry.add<ValidInput<undefined, { brand?: string }>>({
    method: "get",
    path: "/api/v1/transformations",
    operationId: "listTransformations",
    summary: "Transformation scripts with their current version",
    tags: TAGS,
    roles: ROLES,
    request: { query: "transformations/list-query.json" },
    responses: { 200: { description: "The scripts", schema: "transformations/list.json" } },
    handler: async (c, input) => {
      const principal = principalOf(c);
      const brand = principal.role === "brand_admin" ? principal.brand : input.query.brand;
      const brandId = brand === undefined ? undefined : await brandIdByName(pool, brand);
      const scripts = brand !== undefined && brandId === undefined ? [] : await listScripts(pool, brandId === undefined ? {} : { brandId });
      return c.json({ scripts });
    },
  });
  registry.add<ValidInput<undefined, Record<string, never>, Id>>({
    method: "get",
    path: "/api/v1/transformations/:id",
    operationId: "getTransformation",
    summary: "A script with its current version",
    tags: TAGS,
    roles: ROLES,
    request: { params: "transformations/params.json" },
    responses: { 200: { description: "The script", schema: "transformations/script.json" }, 404: { description: "No such script", schema: "error.json" } },
    handler: async (c, input) => c.json(await owned(c, pool, input.params.id)),
  });
  registry.add<ValidInput<undefined, Record<string, never>, Id>>({
    method: "get",
    path: "/api/v1/transformations/:id/versions",
    operationId: "listTransformationVersions",
    summary: "Every version of a script, oldest first",
    tags: TAGS,
    roles: ROLES,
    request: { params: "transformations/params.json" },
    responses: { 200: { description: "The history", schema: "transformations/versions.json" }, 404: { description: "No such script", schema: "error.json" } },
    handler: async (c, input) => {
      await owned(c, pool, input.params.id);
      return c.json({ scriptId: input.params.id, versions: await listVersions(pool, input.params.id) });
    },
  });
}

function writeRoutes(registry: RouteRegistry, pool: Pool): void {
  registry.add<ValidInput<CreateBody>>({
    method: "post",
    path: "/api/v1/transformations",
    operationId: "createTransformation",
    summary: "Create a brand's transformation script (version 1)",
    tags: TAGS,
    roles: ROLES,
    request: { body: "transformations/create.json" },
    responses: {
      201: { description: "The script", schema: "transformations/script.json" },
      409: { description: "The brand already has a script of that name", schema: "error.json" },
    },
    handler: async (c, input) => {
      const principal = principalOf(c);
      checkBrand(principal, input.body.brand);
      const brandId = await brandIdByName(pool, input.body.brand);
      if (brandId === undefined) {
        throw new AppError("BRAND_NOT_FOUND", `there is no brand named ${input.body.brand}`, { status: 404 });
      }
      const script = await createScript(pool, {
        brandId,
        name: input.body.name,
        definition: input.body.definition,
        actor: principal.subject,
        ...(input.body.default === undefined ? {} : { isDefault: input.body.default }),
      });
      return c.json(script, 201, { location: `/api/v1/transformations/${script.id}` });
    },
  });
  registry.add<ValidInput<UpdateBody, Record<string, never>, Id>>({
    method: "put",
    path: "/api/v1/transformations/:id",
    operationId: "updateTransformation",
    summary: "Save a new version of a script",
    tags: TAGS,
    roles: ROLES,
    request: { params: "transformations/params.json", body: "transformations/update.json" },
    responses: { 200: { description: "The script at its new version", schema: "transformations/script.json" }, 404: { description: "No such script", schema: "error.json" } },
    handler: async (c, input) => {
      await owned(c, pool, input.params.id);
      const script: TransformationScript = await updateScript(pool, input.params.id, {
        definition: input.body.definition,
        actor: principalOf(c).subject,
        ...(input.body.default === undefined ? {} : { isDefault: input.body.default }),
      });
      return c.json(script);
    },
  });
}

/** A brand admin may touch only their own brand; to them another brand's script does not exist. */
function checkBrand(principal: Principal, brand: string, id?: number): void {
  if (principal.role !== "brand_admin" || principal.brand?.toLowerCase() === brand.toLowerCase()) return;
  if (id !== undefined) {
    throw new AppError("TRANSFORMATION_NOT_FOUND", `there is no transformation script ${id}`, { status: 404, details: { id } });
  }
  throw new AppError("FORBIDDEN", "a brand admin may manage only their own brand's scripts", { status: 403, details: { brand } });
}
