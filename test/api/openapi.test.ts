import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { ROLES } from "../../lib/auth/index.ts";
import type { OpenApiDocument } from "../../lib/http/index.ts";
import { TEST_SCHEMAS, testRoutes } from "./routes.ts";
import { schemasWith, testApp } from "../support/api-app.ts";

async function document(): Promise<OpenApiDocument> {
  const { app } = await testApp({ routes: [testRoutes], schemas: await schemasWith(TEST_SCHEMAS) });
  const response = await app.request("/openapi.json");
  expect(response.status).toBe(200);
  return (await response.json()) as OpenApiDocument;
}

/** Every `$ref` string anywhere in `value`. */
function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => (key === "$ref" && typeof item === "string" ? [item] : refs(item)));
}

/** Follows a local JSON pointer such as `#/components/schemas/X/$defs/y`. */
function resolve(doc: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, "")
    .split("/")
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], doc);
}

describe("openapi document", () => {
  it("is an OpenAPI 3.1 document with bearer JWT security", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: "Warranty Hub API", version: "1.0.0" });
    expect(doc.components.securitySchemes).toEqual({ bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } });
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path).toMatch(/^\//);
      for (const [method, operation] of Object.entries(item)) {
        expect(["get", "post", "put", "patch", "delete"]).toContain(method);
        expect(operation).toHaveProperty("operationId");
        expect(operation).toHaveProperty("responses");
      }
    }
  });

  it("documents whoami with its roles, security and principal schema", async () => {
    const doc = await document();
    const whoami = doc.paths["/api/v1/whoami"]?.get as Record<string, unknown>;
    expect(whoami).toMatchObject({
      operationId: "whoami",
      tags: ["auth"],
      security: [{ bearerAuth: [] }],
      "x-roles": [...ROLES],
    });
    const responses = whoami.responses as Record<string, { content: Record<string, { schema: unknown }> }>;
    expect(responses["200"]?.content["application/json"]?.schema).toEqual({ $ref: "#/components/schemas/Principal" });
    expect(responses["401"]?.content["application/json"]?.schema).toEqual({ $ref: "#/components/schemas/Error" });
    expect(Object.keys(responses)).toEqual(["200", "401", "403", "default"]);
    expect(doc.components.schemas.Principal).toMatchObject({ properties: { role: { $ref: "#/components/schemas/Role" } } });
    expect(doc.components.schemas.Role).toMatchObject({ enum: [...ROLES] });
  });

  it("turns Hono paths, params and query schemas into OpenAPI parameters", async () => {
    const doc = await document();
    const get = doc.paths["/test/widgets/{id}"]?.get as { parameters: unknown[]; responses: Record<string, unknown> };
    expect(get.parameters).toEqual([
      { name: "id", in: "path", required: true, schema: { type: "string", pattern: "^[0-9]+$" } },
      { name: "limit", in: "query", required: false, description: "page size", schema: { type: "integer", minimum: 1, maximum: 100, description: "page size" } },
      { name: "tag", in: "query", required: false, schema: { type: "array", items: { type: "string" } } },
    ]);
    expect(get.responses).toHaveProperty("422");
    const post = doc.paths["/test/widgets"]?.post as Record<string, unknown>;
    expect(post.requestBody).toEqual({
      required: true,
      content: { "application/json": { schema: { $ref: "#/components/schemas/TestWidget" } } },
    });
    expect(Object.keys(post.responses as object)).toEqual(["201", "400", "401", "403", "413", "415", "422", "default"]);
    expect(doc.paths["/health/ready"]?.get).toMatchObject({ security: [] });
  });

  it("resolves every reference, and its schemas compile as JSON Schema 2020-12", async () => {
    const doc = await document();
    for (const ref of refs(doc)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(resolve(doc, ref), ref).toBeDefined();
    }
    expect(refs(doc)).toContain("#/components/schemas/HealthReady/$defs/check");
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ ...doc, $id: "https://doc.test/openapi.json" });
    for (const name of Object.keys(doc.components.schemas)) {
      expect(() => ajv.getSchema(`https://doc.test/openapi.json#/components/schemas/${name}`)).not.toThrow();
    }
    const principal = ajv.getSchema("https://doc.test/openapi.json#/components/schemas/Principal");
    expect(principal?.({ subject: "s", role: "consumer" })).toBe(true);
    expect(principal?.({ subject: "s", role: "king" })).toBe(false);
  });
});

describe("docs page", () => {
  it("renders every operation, its parameters and schemas, with nothing loaded from elsewhere", async () => {
    const { app } = await testApp({ routes: [testRoutes], schemas: await schemasWith(TEST_SCHEMAS) });
    const response = await app.request("/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await response.text();
    for (const id of ["whoami", "getReadiness", "getMetrics", "getOpenApi", "createWidget", "getWidget"]) {
      expect(html).toContain(`id="op-${id}"`);
    }
    expect(html).toContain("<code>/api/v1/whoami</code>");
    expect(html).toContain("<code>/test/widgets/{id}</code>");
    expect(html).toContain('<a href="#schema-Principal">');
    expect(html).toContain('id="schema-TestWidget"');
    expect(html).toContain("<code>limit</code>");
    expect(html).toContain("<code>brand_admin</code>");
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!warranty-hub\.local)/);
  });
});
