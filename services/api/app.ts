import { Hono } from "hono";
import type { TokenVerifier } from "../../lib/auth/index.ts";
import type { Health } from "../../lib/health/index.ts";
import { correlation, createRouteRegistry, mountRoutes, onError, onNotFound } from "../../lib/http/index.ts";
import type { AppEnv, SchemaSet } from "../../lib/http/index.ts";
import type { Logger } from "../../lib/log/index.ts";
import type { Metrics } from "../../lib/metrics/index.ts";
import { consoleApp } from "./ops/console.ts";
import { healthRoutes } from "./ops/health.ts";
import { metaRoutes } from "./ops/meta.ts";
import { whoamiRoutes } from "./ops/whoami.ts";
import type { RouteModule } from "./route-module.ts";

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
  const info = {
    title: "Warranty Hub API",
    version: API_VERSION,
    description: DESCRIPTION,
    ...(deps.publicUrl ? { servers: [{ url: deps.publicUrl }] } : {}),
  };
  // The document is built as the meta routes register, so they come last and see every route.
  const modules = [healthRoutes(deps), whoamiRoutes(), ...(deps.routes ?? []), metaRoutes({ info })];
  for (const register of modules) register(registry);
  const app = new Hono<AppEnv>();
  app.use("*", correlation(deps));
  app.onError(onError(deps.logger));
  app.notFound(onNotFound);
  mountRoutes(app, registry, { verifyToken: deps.verifyToken, maxBodyBytes: deps.maxBodyBytes ?? 1_048_576 });
  app.route("/console", consoleApp());
  return app;
}
