import type { Pool } from "../../lib/db/index.ts";
import type { RouteRegistry } from "../../lib/http/index.ts";

/**
 * The one shape of a feature's routes: `xRoutes(deps)` is called once by `main.ts` (or a test) with
 * what the feature needs, and the returned function adds its operations to the app's registry.
 */
export type RouteModule = (registry: RouteRegistry) => void;

/** Deps of the modules that only read or write the database. */
export interface PoolRouteDeps {
  readonly pool: Pool;
}
