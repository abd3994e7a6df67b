import type { Context, MiddlewareHandler } from "hono";
import type { ErrorObject, ValidateFunction } from "ajv";
import { AppError } from "../errors/index.ts";
import type { AppEnv, ValidInput } from "./context.ts";
import type { SchemaSet } from "./schemas.ts";

/** Schemas (names in the {@link SchemaSet}) a route's request must satisfy. */
export interface RequestSchemas {
  readonly body?: string;
  readonly query?: string;
  readonly params?: string;
}

/** One reason a request was refused, naming the field by JSON pointer. */
export interface FieldProblem {
  readonly location: "body" | "query" | "params";
  readonly field: string;
  readonly message: string;
}

/**
 * Validates query, path parameters and JSON body against the same compiled schemas the
 * OpenAPI document is built from, and stores the result for the handler. Every problem is
 * reported at once as 422 `VALIDATION_FAILED`. The handler reads the result as `c.get("input")`.
 */
export function validateRequest(schemas: SchemaSet, spec: RequestSchemas): MiddlewareHandler<AppEnv> {
  const query = spec.query === undefined ? undefined : schemas.validator(spec.query, "parameters");
  const params = spec.params === undefined ? undefined : schemas.validator(spec.params, "parameters");
  const body = spec.body === undefined ? undefined : schemas.validator(spec.body, "body");
  return async (c, next) => {
    const problems: FieldProblem[] = [];
    const input: ValidInput = {
      query: check(query, queryObject(c), "query", problems) as Record<string, unknown>,
      params: check(params, { ...c.req.param() }, "params", problems) as Record<string, unknown>,
      body: body === undefined ? undefined : check(body, await readJson(c), "body", problems),
    };
    if (problems.length > 0) {
      const summary = problems.map((p) => `${p.location} ${p.field} ${p.message}`).join("; ");
      throw new AppError("VALIDATION_FAILED", `request is invalid: ${summary}`, { status: 422, details: { problems } });
    }
    c.set("input", input);
    await next();
  };
}

/** Single values stay strings and repeated ones become arrays; the schema's types decide the rest. */
function queryObject(c: Context<AppEnv>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(c.req.queries()).map(([key, values]) => [key, values.length === 1 ? values[0] : values]),
  );
}

async function readJson(c: Context<AppEnv>): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "the request body must be application/json", {
      status: 415,
      details: { contentType: type },
    });
  }
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new AppError("BODY_INVALID_JSON", "request body is not valid JSON", { status: 400, cause: error });
  }
}

function check(
  validate: ValidateFunction | undefined,
  value: unknown,
  location: FieldProblem["location"],
  problems: FieldProblem[],
): unknown {
  if (validate === undefined || validate(value)) return value;
  problems.push(...(validate.errors ?? []).map((e) => describe(e, location)));
  return value;
}

/** Names the field itself for missing and unexpected properties, not the object holding them. */
function describe(error: ErrorObject, location: FieldProblem["location"]): FieldProblem {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "required" && typeof params.missingProperty === "string") {
    return { location, field: `${error.instancePath}/${pointer(params.missingProperty)}`, message: "is required" };
  }
  if (error.keyword === "additionalProperties" && typeof params.additionalProperty === "string") {
    return { location, field: `${error.instancePath}/${pointer(params.additionalProperty)}`, message: "is not allowed" };
  }
  return { location, field: error.instancePath || "/", message: error.message ?? "is invalid" };
}

/** Escapes a property name as one JSON pointer segment. */
function pointer(property: string): string {
  return property.replaceAll("~", "~0").replaceAll("/", "~1");
}
