import { compile } from "json-schema-to-typescript";
import type { JSONSchema } from "json-schema-to-typescript";
import type { MessageSchema } from "../../lib/bus/index.ts";

const BANNER = `// GENERATED from schemas/messages/*.json by test/messages/payload-types.test.ts; do not edit.
// After changing a schema, run \`npm run messages:types\` and commit the result.`;

/**
 * Renders the TypeScript payload types of every message schema, plus `MessagePayloads`
 * mapping each message type to its payload. The schemas are the source; this output is
 * compared with lib/messages/payloads.ts, so the two cannot drift apart.
 */
export async function renderPayloadTypes(schemas: readonly MessageSchema[]): Promise<string> {
  const sorted = [...schemas].sort((a, b) => a.type.localeCompare(b.type) || a.version - b.version);
  const latest = new Map(sorted.map((s) => [s.type, s]));
  const blocks: string[] = [];
  for (const entry of sorted) blocks.push(await compile(prepare(entry), typeName(entry), OPTIONS));
  const map = [...latest.values()].map((s) => `  ${JSON.stringify(s.type)}: ${typeName(s)};`).join("\n");
  const payloads = `/** Each message type's payload at its newest schema version. */\nexport interface MessagePayloads {\n${map}\n}\n`;
  return `${BANNER}\n\n${blocks.join("\n")}\n${payloads}`;
}

const OPTIONS = { bannerComment: "", additionalProperties: false, format: true, style: { printWidth: 120 } } as const;

/** Interface name of a payload: `ocr.requested` v1 is `OcrRequested`, a v2 would be `OcrRequestedV2`. */
function typeName(entry: MessageSchema): string {
  const base = entry.type.split(/[.-]/).map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join("");
  return entry.version === 1 ? base : `${base}V${entry.version}`;
}

/** Drops what would rename the root, and prefixes `$defs` titles so two schemas never declare one name. */
function prepare(entry: MessageSchema): JSONSchema {
  const schema: JSONSchema & { $defs?: Record<string, JSONSchema> } = { ...entry.schema };
  delete schema.title;
  delete schema.$schema;
  delete schema.$id;
  const prefix = typeName(entry);
  if (schema.$defs !== undefined) {
    schema.$defs = Object.fromEntries(
      Object.entries(schema.$defs).map(([key, def]) => [key, { ...def, title: `${prefix}${key.charAt(0).toUpperCase()}${key.slice(1)}` }]),
    );
  }
  return schema;
}
