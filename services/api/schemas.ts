import { fileURLToPath } from "node:url";
import { loadSchemaSet } from "../../lib/http/index.ts";
import type { SchemaSet } from "../../lib/http/index.ts";

/** The folder of the API's request and response schemas. */
export const API_SCHEMA_DIR = fileURLToPath(new URL("../../schemas/api/", import.meta.url));

/** Reads and compiles `schemas/api/**` once; call at start-up and hand the result to `createApp`. */
export function loadApiSchemas(): Promise<SchemaSet> {
  return loadSchemaSet(API_SCHEMA_DIR);
}
