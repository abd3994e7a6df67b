import { HTTPException } from "hono/http-exception";
import { AppError } from "../../lib/errors/index.ts";
import { principalOf } from "../../lib/http/index.ts";
import type { JsonSchema, RouteRegistry, ValidInput } from "../../lib/http/index.ts";

/** Schemas of the routes below, compiled beside the real API schemas. */
export const TEST_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  "test/widget.json": {
    type: "object",
    additionalProperties: false,
    required: ["brand", "model"],
    properties: {
      brand: { type: "string", minLength: 1 },
      model: { type: "string", minLength: 1 },
      quantity: { type: "integer", minimum: 1 },
      owner: { $ref: "../principal.json" },
    },
  },
  "test/widget-params.json": {
    type: "object",
    required: ["id"],
    properties: { id: { type: "string", pattern: "^[0-9]+$" } },
  },
  "test/widget-query.json": {
    type: "object",
    additionalProperties: false,
    properties: {
      limit: { type: "integer", minimum: 1, maximum: 100, description: "page size" },
      tag: { type: "array", items: { type: "string" } },
    },
  },
};

interface Widget {
  readonly brand: string;
  readonly model: string;
  readonly quantity?: number;
}

/** Routes that exercise validation and every branch of the error handler. */
export function testRoutes(registry: RouteRegistry): void {
  registry.add<ValidInput<Widget>>({
    method: "post",
    path: "/test/widgets",
    operationId: "createWidget",
    summary: "Create a widget",
    tags: ["test"],
    roles: ["super_admin", "brand_admin"],
    request: { body: "test/widget.json" },
    responses: { 201: { description: "Created", schema: "test/widget.json" } },
    handler: (c, input) => c.json({ ...input.body, createdBy: principalOf(c).subject }, 201),
  });
  registry.add<ValidInput<undefined, { limit?: number; tag?: string[] }, { id: string }>>({
    method: "get",
    path: "/test/widgets/:id",
    operationId: "getWidget",
    summary: "Read a widget",
    tags: ["test"],
    request: { params: "test/widget-params.json", query: "test/widget-query.json" },
    responses: { 200: { description: "The input as validated" } },
    handler: (c, input) => c.json({ params: input.params, query: input.query }),
  });
  registry.add({
    method: "get",
    path: "/test/fail/:kind",
    operationId: "fail",
    summary: "Throw an error of the given kind",
    tags: ["test"],
    responses: {},
    handler: (c) => {
      switch (c.req.param("kind") ?? "") {
        case "unavailable":
          throw new AppError("BUS_UNREACHABLE", "the broker cannot be reached", { retryable: true, status: 503 });
        case "conflict":
          throw new AppError("SERIAL_TAKEN", "serial already registered", { status: 409, details: { serial: "X1" } });
        case "http":
          throw new HTTPException(429, { message: "slow down" });
        default:
          throw new Error("password=hunter2 at /srv/internal/db.ts:12");
      }
    },
  });
  registry.add({
    method: "post",
    path: "/test/raw",
    operationId: "raw",
    summary: "Parse the body without a schema",
    tags: ["test"],
    responses: { 200: { description: "The body" } },
    handler: async (c) => c.json(await c.req.json()),
  });
}
