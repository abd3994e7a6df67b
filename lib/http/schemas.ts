import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { AppError } from "../errors/index.ts";

/** A JSON Schema as read from its file. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** Where a value being validated came from; parameters arrive as strings and are coerced. */
export type SchemaUse = "body" | "parameters";

/** The API's JSON Schemas, read once at start-up and compiled once. */
export interface SchemaSet {
  /** Schema names (file paths below the root, such as `principal.json`), sorted. */
  readonly names: readonly string[];
  /** The schema as written, without `$schema`. */
  schema(name: string): JsonSchema;
  /** The `$id` every schema gets, so files can `$ref` each other by relative path. */
  id(name: string): string;
  /** The compiled validator; `parameters` coerces strings to the declared types. */
  validator(name: string, use: SchemaUse): ValidateFunction;
}

/** Base of the `$id` given to every schema; never fetched, only used to resolve `$ref`. */
export const SCHEMA_BASE = "https://warranty-hub.local/schemas/api/";

// ajv-formats is CommonJS; its default export arrives wrapped under Node's ESM interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** Reads every `*.json` below `dir` (recursively) and compiles it for both uses. */
export async function loadSchemaSet(dir: string): Promise<SchemaSet> {
  const files = (await readdir(dir, { recursive: true }))
    .filter((file) => file.endsWith(".json"))
    .map((file) => relative(dir, join(dir, file)).split(sep).join("/"))
    .sort();
  const schemas = new Map<string, JsonSchema>();
  for (const name of files) {
    schemas.set(name, await readSchema(join(dir, name), name));
  }
  return createSchemaSet(schemas);
}

/** Compiles schemas already in memory (keys are their names); used by {@link loadSchemaSet}. */
export function createSchemaSet(schemas: ReadonlyMap<string, JsonSchema>): SchemaSet {
  const body = addFormats(new Ajv2020({ allErrors: true, strict: true }));
  const parameters = addFormats(new Ajv2020({ allErrors: true, strict: true, coerceTypes: "array" }));
  const id = (name: string) => new URL(name, SCHEMA_BASE).href;
  for (const [name, schema] of schemas) {
    try {
      for (const ajv of [body, parameters]) ajv.addSchema({ ...schema, $id: id(name) });
    } catch (error) {
      throw new AppError("SCHEMA_INVALID", `schema ${name} is not a valid JSON Schema`, { cause: error });
    }
  }
  const compiled = new Map<string, ValidateFunction>();
  const validator = (name: string, use: SchemaUse) => {
    const key = `${use}:${name}`;
    let fn = compiled.get(key);
    if (fn === undefined) {
      fn = compile(use === "body" ? body : parameters, id(name), name);
      compiled.set(key, fn);
    }
    return fn;
  };
  // Compiling everything now turns a broken schema into a start-up failure, not a 500 later.
  for (const name of schemas.keys()) {
    validator(name, "body");
    validator(name, "parameters");
  }
  return {
    names: [...schemas.keys()].sort(),
    schema(name) {
      const schema = schemas.get(name);
      if (schema === undefined) throw unknownSchema(name);
      return schema;
    },
    id,
    validator,
  };
}

async function readSchema(path: string, name: string): Promise<JsonSchema> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new AppError("SCHEMA_UNREADABLE", `${path}: cannot read JSON`, { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new AppError("SCHEMA_UNREADABLE", `${path}: a schema must be a JSON object`);
  }
  // The dialect is fixed (2020-12) by the compiler; the file may name it for editors.
  const schema: Record<string, unknown> = { ...(parsed as Record<string, unknown>) };
  delete schema.$schema;
  const expected = new URL(name, SCHEMA_BASE).href;
  if (schema.$id !== undefined && schema.$id !== expected) {
    throw new AppError("SCHEMA_ID_MISMATCH", `${path}: $id must be ${expected} or absent`);
  }
  return schema;
}

function compile(ajv: Ajv2020, id: string, name: string): ValidateFunction {
  try {
    const fn = ajv.getSchema(id);
    if (fn === undefined) throw unknownSchema(name);
    return fn;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("SCHEMA_INVALID", `schema ${name} does not compile`, { cause: error });
  }
}

function unknownSchema(name: string): AppError {
  return new AppError("SCHEMA_UNKNOWN", `no schema named ${name}`);
}
