import { Hono } from "hono";
import type { TokenVerifier } from "../../lib/auth/index.ts";
import type { Health } from "../../lib/health/index.ts";
import { correlation, createRouteRegistry, mountRoutes, onError, onNotFound } from "../../lib/http/index.ts";
import type { AppEnv, RouteRegistry, SchemaSet } from "../../lib/http/index.ts";
import type { Logger } from "../../lib/log/index.ts";
import type { Metrics } from "../../lib/metrics/index.ts";
import { consoleRoutes } from "./routes/console.ts";
import { healthRoutes } from "./routes/health.ts";
import { metaRoutes } from "./routes/meta.ts";
import { whoamiRoutes } from "./routes/whoami.ts";

/** Registers a feature's routes; built by the caller with whatever the feature needs (pool, bus, blobs). */
export type RouteModule = (registry: RouteRegistry) => void;
export interface ApiDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly health: Health;
  readonly verifyToken: TokenVerifier;
  /** From `loadApiSchemas()`: the schemas routes refer to, compiled once. */
  readonly schemas: SchemaSet;
  /** Largest JSON body; default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Listed as the document's server when set. */
  readonly publicUrl?: string;
  /** Feature routes, registered after the built-in ones. */
  readonly routes?: readonly RouteModule[];
}

/** Version of the HTTP contract (the `/api/v1` paths), not of the package. */
const API_VERSION = "1.0.0";

const DESCRIPTION =
  "Ingress of the Warranty Hub pipeline. Every error body is `{ error: { code, message, details? } }`; " +
  "send `x-correlation-id` to follow a request through the logs (one is generated otherwise and always echoed).";

/** Builds the ingress app; tests call `app.request()` on it, `startApiServer` serves it. */
export function createApp(deps: ApiDeps): Hono<AppEnv> {
  const registry = createRouteRegistry(deps.schemas);
  healthRoutes(registry, deps);
  whoamiRoutes(registry);
  for (const register of deps.routes ?? []) register(registry);
  const docs = metaRoutes(registry, {
    title: "Warranty Hub API",
    version: API_VERSION,
    description: DESCRIPTION,
    ...(deps.publicUrl ? { servers: [{ url: deps.publicUrl }] } : {}),
  });
  // Built now so a dangling schema reference stops start-up instead of the first /docs request.
  docs();
  const app = new Hono<AppEnv>();
  app.use("*", correlation(deps));
  app.onError(onError(deps.logger));
  app.notFound(onNotFound);
  mountRoutes(app, registry, { verifyToken: deps.verifyToken, maxBodyBytes: deps.maxBodyBytes ?? 1_048_576 });
  app.route("/console", consoleRoutes());
  return app;
}
