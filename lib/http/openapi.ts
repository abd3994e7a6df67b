import type { Role } from "../auth/index.ts";
import { AppError } from "../errors/index.ts";
import { pathParams } from "./registry.ts";
import type { RouteRegistry, RouteSpec } from "./registry.ts";
import type { JsonSchema, SchemaSet } from "./schemas.ts";

/** The document's `info` and `servers`. */
export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
  readonly servers?: readonly { readonly url: string; readonly description?: string }[];
}

/** An OpenAPI 3.1 document as plain JSON. */
export type OpenApiDocument = Readonly<Record<string, unknown>> & {
  readonly openapi: "3.1.0";
  readonly paths: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly securitySchemes: Readonly<Record<string, unknown>>;
  };
};

/** The OpenAPI name of a schema file: `health-ready.json` → `HealthReady`. */
export function componentName(schemaName: string): string {
  return schemaName
    .replace(/\.json$/, "")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/**
 * Emits the OpenAPI 3.1 document of every registered route. Schemas become
 * `components.schemas` with their cross-file `$ref`s rewritten to component references,
 * so the document stands alone and says exactly what the validators enforce.
 */
export function buildOpenApi(registry: RouteRegistry, info: OpenApiInfo): OpenApiDocument {
  const components = schemaComponents(registry.schemas);
  const ref = (name: string) => ({ $ref: `#/components/schemas/${componentName(name)}` });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of registry.routes) {
    const path = route.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)(\{[^}]*\})?\??/g, "{$1}");
    paths[path] = { ...paths[path], [route.method]: operation(registry, route, ref) };
  }
  return {
    openapi: "3.1.0",
    info: { title: info.title, version: info.version, ...(info.description ? { description: info.description } : {}) },
    ...(info.servers ? { servers: info.servers } : {}),
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
    },
  };
}

type Ref = (name: string) => { $ref: string };

function operation(registry: RouteRegistry, route: RouteSpec, ref: Ref): Record<string, unknown> {
  const request = route.request ?? {};
  const parameters = [
    ...pathParameters(registry.schemas, route, request.params),
    ...(request.query === undefined ? [] : queryParameters(registry.schemas, request.query)),
  ];
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description || route.roles ? { description: describe(route.description, route.roles) } : {}),
    tags: route.tags,
    ...(route.roles ? { security: [{ bearerAuth: [] }], "x-roles": route.roles } : { security: [] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(request.body === undefined
      ? {}
      : { requestBody: { required: true, content: { "application/json": { schema: ref(request.body) } } } }),
    ...(request.rawBody === undefined ? {} : { requestBody: rawBody(request.rawBody) }),
    responses: responses(registry, route, ref),
  };
}

function rawBody(spec: NonNullable<RouteSpec["request"]>["rawBody"] & object): Record<string, unknown> {
  const content = Object.fromEntries(spec.contentTypes.map((type) => [type, { schema: { type: "string", format: "binary" } }]));
  return { required: true, ...(spec.description ? { description: spec.description } : {}), content };
}

function describe(description: string | undefined, roles: readonly Role[] | undefined): string {
  const who = roles ? `Roles: ${roles.join(", ")}.` : "";
  return [description, who].filter(Boolean).join("\n\n");
}

function responses(registry: RouteRegistry, route: RouteSpec, ref: Ref): Record<string, unknown> {
  const error = (description: string) => ({
    description,
    content: { "application/json": { schema: ref(registry.errorSchema) } },
  });
  const added: Record<number, unknown> = {};
  const request = route.request ?? {};
  if (route.roles) {
    added[401] = error("No bearer token, or an invalid or expired one (`AUTH_REQUIRED`, `AUTH_INVALID_TOKEN`, `AUTH_TOKEN_EXPIRED`)");
    added[403] = error("The caller's role may not do this (`FORBIDDEN`)");
  }
  if (request.body !== undefined) {
    added[400] = error("The body is not JSON (`BODY_INVALID_JSON`)");
    added[413] = error("The body is too large (`BODY_TOO_LARGE`)");
    added[415] = error("The body is not application/json (`UNSUPPORTED_MEDIA_TYPE`)");
  }
  if (request.body !== undefined || request.query !== undefined || request.params !== undefined) {
    added[422] = error("The request does not match its schema (`VALIDATION_FAILED`); details name each field");
  }
  for (const [status, spec] of Object.entries(route.responses)) {
    const type = spec.contentType ?? "application/json";
    // Text bodies are strings; a JSON body nobody described gets no schema rather than a wrong one.
    const schema = spec.schema !== undefined ? ref(spec.schema) : type.startsWith("text/") ? { type: "string" } : undefined;
    added[Number(status)] = { description: spec.description, content: { [type]: schema ? { schema } : {} } };
  }
  const sorted = Object.entries(added).sort(([a], [b]) => Number(a) - Number(b));
  return { ...Object.fromEntries(sorted), default: error("Unexpected error (`INTERNAL`)") };
}

function pathParameters(schemas: SchemaSet, route: RouteSpec, params: string | undefined): unknown[] {
  const properties = params === undefined ? {} : propertiesOf(schemas, params);
  return pathParams(route.path).map((name) => ({
    name,
    in: "path",
    required: true,
    schema: properties[name] ?? { type: "string" },
  }));
}

function queryParameters(schemas: SchemaSet, name: string): unknown[] {
  const required = new Set((schemas.schema(name).required as string[] | undefined) ?? []);
  return Object.entries(propertiesOf(schemas, name)).map(([param, schema]) => ({
    name: param,
    in: "query",
    required: required.has(param),
    ...(typeof schema.description === "string" ? { description: schema.description } : {}),
    schema,
  }));
}

/** A parameter schema's properties, with references rewritten like every component's. */
function propertiesOf(schemas: SchemaSet, name: string): Record<string, JsonSchema> {
  const rewritten = rewriteRefs(schemas, name, schemas.schema(name).properties) as Record<string, JsonSchema>;
  return rewritten;
}

function schemaComponents(schemas: SchemaSet): Record<string, JsonSchema> {
  const components: Record<string, JsonSchema> = {};
  const owners = new Map<string, string>();
  for (const name of schemas.names) {
    const component = componentName(name);
    const taken = owners.get(component);
    if (taken !== undefined) {
      throw new AppError("SCHEMA_NAME_CLASH", `${name} and ${taken} both become component ${component}`);
    }
    owners.set(component, name);
    const schema: Record<string, unknown> = { ...schemas.schema(name) };
    delete schema.$id;
    components[component] = rewriteRefs(schemas, name, schema) as JsonSchema;
  }
  return components;
}

/** Copies `value`, pointing each `$ref` (relative to schema `owner`) at its component. */
function rewriteRefs(schemas: SchemaSet, owner: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(schemas, owner, item));
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      key === "$ref" && typeof item === "string" ? componentRef(schemas, owner, item) : rewriteRefs(schemas, owner, item),
    ]),
  );
}

function componentRef(schemas: SchemaSet, owner: string, ref: string): string {
  const url = new URL(ref, schemas.id(owner));
  const fragment = url.hash.replace(/^#/, "");
  url.hash = "";
  const target = schemas.names.find((name) => schemas.id(name) === url.href);
  if (target === undefined) {
    throw new AppError("SCHEMA_REF_UNKNOWN", `${owner}: $ref ${ref} names no schema in the set`);
  }
  return `#/components/schemas/${componentName(target)}${fragment}`;
}
