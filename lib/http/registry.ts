import type { Context, Hono, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Role, TokenVerifier } from "../auth/index.ts";
import { AppError } from "../errors/index.ts";
import { createAuth } from "./auth.ts";
import type { AppEnv, ValidInput } from "./context.ts";
import type { SchemaSet } from "./schemas.ts";
import { validateRequest } from "./validation.ts";
import type { RequestSchemas } from "./validation.ts";

/** Methods a route may use. */
export const HTTP_METHODS = ["get", "post", "put", "patch", "delete"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** One documented response; `schema` names a file in the {@link SchemaSet}. */
export interface ResponseSpec {
  readonly description: string;
  readonly schema?: string;
  /** Default `application/json`. */
  readonly contentType?: string;
}

/** The request side of a route: schemas to validate, and how large a JSON body may be. */
export interface RequestSpec extends RequestSchemas {
  /** Overrides the app's limit for this route's body. */
  readonly maxBodyBytes?: number;
  /**
   * A body the handler streams itself from `c.req.raw.body` (uploads): documented with these
   * media types, and neither buffered, limited nor validated by the registry.
   */
  readonly rawBody?: { readonly contentTypes: readonly string[]; readonly description?: string };
}

/**
 * A route as both the server and the OpenAPI document see it. `I` types what the validated
 * input looks like; the schemas enforce it at run time.
 */
export interface RouteSpec<I extends ValidInput = ValidInput> {
  readonly method: HttpMethod;
  /** Hono pattern such as `/api/v1/products/:id`; the document shows `{id}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /** Who may call; absent for a public route. */
  readonly roles?: readonly Role[];
  readonly request?: RequestSpec;
  /** Success (and route-specific error) responses; auth, validation and 500 errors are added. */
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  handler(c: Context<AppEnv>, input: I): Response | Promise<Response>;
}

/** Every route of an app, with the schemas they refer to. */
export interface RouteRegistry {
  readonly schemas: SchemaSet;
  /** The schema of every error body. */
  readonly errorSchema: string;
  readonly routes: readonly RouteSpec[];
  /** Checks the route's schema names and uniqueness, then keeps it. */
  add<I extends ValidInput = ValidInput>(route: RouteSpec<I>): void;
}

/** Creates an empty registry over `schemas`, which must contain `errorSchema` (default `error.json`). */
export function createRouteRegistry(schemas: SchemaSet, options: { readonly errorSchema?: string } = {}): RouteRegistry {
  const errorSchema = options.errorSchema ?? "error.json";
  schemas.schema(errorSchema);
  const routes: RouteSpec[] = [];
  return {
    schemas,
    errorSchema,
    routes,
    add(route) {
      checkRoute(schemas, routes, route);
      routes.push(route);
    },
  };
}

/** What {@link mountRoutes} needs besides the registry. */
export interface MountOptions {
  readonly verifyToken: TokenVerifier;
  /** Largest JSON body accepted, unless a route says otherwise. */
  readonly maxBodyBytes: number;
}

/** Adds every registered route to `app`: auth, then body limit, then validation, then the handler. */
export function mountRoutes(app: Hono<AppEnv>, registry: RouteRegistry, options: MountOptions): void {
  const auth = createAuth(options.verifyToken);
  // Hono's typed overloads cap the handler count; at run time `on` takes any number.
  const register = app.on.bind(app) as unknown as (
    method: string,
    path: string,
    ...handlers: MiddlewareHandler<AppEnv>[]
  ) => void;
  for (const route of registry.routes) {
    const chain: MiddlewareHandler<AppEnv>[] = [];
    if (route.roles) chain.push(auth.requireRole(...route.roles));
    const request = route.request ?? {};
    if (request.body !== undefined) chain.push(limitBody(request.maxBodyBytes ?? options.maxBodyBytes));
    if (request.body !== undefined || request.query !== undefined || request.params !== undefined) {
      chain.push(validateRequest(registry.schemas, request));
    }
    const handler = route.handler.bind(route);
    const empty: ValidInput = { body: undefined, query: {}, params: {} };
    register(route.method.toUpperCase(), route.path, ...chain, async (c) => handler(c, c.get("input") ?? empty));
  }
}

function limitBody(maxSize: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError("BODY_TOO_LARGE", `request body exceeds ${maxSize} bytes`, {
        status: 413,
        details: { maxBytes: maxSize },
      });
    },
  });
}

function checkRoute(schemas: SchemaSet, routes: readonly RouteSpec[], route: RouteSpec): void {
  const fail = (message: string) => new AppError("ROUTE_INVALID", `${route.method} ${route.path}: ${message}`);
  if (!route.path.startsWith("/")) throw fail("path must start with /");
  if (routes.some((r) => r.method === route.method && r.path === route.path)) throw fail("registered twice");
  if (routes.some((r) => r.operationId === route.operationId)) {
    throw fail(`operationId ${route.operationId} is taken`);
  }
  if (route.roles?.length === 0) throw fail("roles, when given, must name at least one role");
  const { body, query, params } = route.request ?? {};
  for (const name of [body, query, params]) if (name !== undefined) schemas.schema(name);
  for (const name of [query, params]) {
    if (name !== undefined && typeof schemas.schema(name).properties !== "object") {
      throw fail(`${name} must declare top-level properties: each one becomes a parameter`);
    }
  }
  if (params !== undefined) {
    const declared = Object.keys(schemas.schema(params).properties as object).sort().join(",");
    if (declared !== pathParams(route.path).sort().join(",")) throw fail(`${params} must declare exactly the path's parameters`);
  }
  for (const response of Object.values(route.responses)) {
    if (response.schema !== undefined) schemas.schema(response.schema);
  }
}

/** Names of the `:name` parameters in a Hono path pattern. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? "");
}
