import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { Logger } from "../log/index.ts";
import type { Metrics } from "../metrics/index.ts";
import type { AppEnv } from "./context.ts";

/** The header carrying a request's correlation id in and out. */
export const CORRELATION_HEADER = "x-correlation-id";

/** Ids we accept from a caller: short, printable, nothing a log viewer would interpret. */
const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Route label of requests no route matched, so scanners cannot blow up label cardinality. */
const UNMATCHED = "unmatched";

/**
 * First middleware of every app: takes the caller's correlation id or makes one, echoes it,
 * gives the request a child logger carrying it, logs one line per request and records the
 * latency histogram labelled with the route pattern.
 */
export function correlation(deps: { readonly logger: Logger; readonly metrics: Metrics }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const offered = c.req.header(CORRELATION_HEADER);
    const correlationId = offered !== undefined && VALID_ID.test(offered) ? offered : randomUUID();
    const logger = deps.logger.child({ correlationId });
    c.set("correlationId", correlationId);
    c.set("logger", logger);
    c.set("principal", undefined);
    c.set("input", undefined);
    await next();
    c.header(CORRELATION_HEADER, correlationId);
    const seconds = (performance.now() - started) / 1000;
    const route = routePattern(c);
    const status = c.res.status;
    deps.metrics.httpRequestDuration.observe({ method: c.req.method, route, status: String(status) }, seconds);
    const line = { method: c.req.method, route, path: c.req.path, status, ms: Math.round(seconds * 1000) };
    if (status >= 500) logger.error(line, "request");
    else logger.info(line, "request");
  };
}

/** The pattern of the route that answered: the last matched one that is not middleware. */
function routePattern(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  const routes = matchedRoutes(c).filter((r) => r.method !== "ALL");
  return routes.at(-1)?.path ?? UNMATCHED;
}
