/**
 * What the HTTP services share on top of Hono: context and principal, error bodies, correlation
 * ids, auth middleware, request validation against schemas/, the route registry and OpenAPI.
 */

export { principalOf } from "./context.ts";
export type { AppEnv, AppVariables, ValidInput } from "./context.ts";
export { errorBody, onError, onNotFound } from "./errors.ts";
export type { ErrorBody } from "./errors.ts";
export { CORRELATION_HEADER, correlation } from "./correlation.ts";
export { createAuth } from "./auth.ts";
export type { Auth } from "./auth.ts";
export { SCHEMA_BASE, createSchemaSet, loadSchemaSet } from "./schemas.ts";
export type { JsonSchema, SchemaSet, SchemaUse } from "./schemas.ts";
export { validateRequest } from "./validation.ts";
export type { FieldProblem, RequestSchemas } from "./validation.ts";
export { HTTP_METHODS, createRouteRegistry, mountRoutes, pathParams } from "./registry.ts";
export type { HttpMethod, MountOptions, RequestSpec, ResponseSpec, RouteRegistry, RouteSpec } from "./registry.ts";
export { buildOpenApi, componentName } from "./openapi.ts";
export type { OpenApiDocument, OpenApiInfo } from "./openapi.ts";
