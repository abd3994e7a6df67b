import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { AppError } from "../errors/index.ts";
import type { Envelope } from "./envelope.ts";

/** The JSON Schema of one message type's payload at one version. */
export interface MessageSchema {
  readonly type: string;
  readonly version: number;
  readonly schema: Record<string, unknown>;
}

/** Checks envelopes against the envelope schema and the payload schema of their type. */
export interface MessageValidator {
  /** Returns the envelope typed, or throws `MESSAGE_INVALID` naming what is wrong. */
  validate(value: unknown): Envelope;
  /** The registered payload schemas, for documentation. */
  readonly schemas: readonly MessageSchema[];
}

const FILE_NAME = /^(?<type>[a-z][a-z0-9.-]*)\.v(?<version>\d+)\.json$/;

// ajv-formats is CommonJS; its default export arrives wrapped under Node's ESM interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** Reads `<type>.v<version>.json` files from a folder (by default `schemas/messages`). */
export async function loadMessageSchemas(dir: string): Promise<MessageSchema[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".json")).sort();
  return Promise.all(
    names.map(async (name) => {
      const match = FILE_NAME.exec(name);
      if (!match?.groups) {
        throw new AppError("SCHEMA_FILE_NAME", `${join(dir, name)}: expected <type>.v<version>.json`);
      }
      const schema = JSON.parse(await readFile(join(dir, name), "utf8")) as Record<string, unknown>;
      return { type: match.groups.type ?? "", version: Number(match.groups.version), schema };
    }),
  );
}

/** Compiles the envelope schema and every payload schema once. */
export function createMessageValidator(
  envelopeSchema: Record<string, unknown>,
  schemas: readonly MessageSchema[],
): MessageValidator {
  const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
  const envelope = ajv.compile<Envelope>(envelopeSchema);
  const payloads = new Map<string, ValidateFunction>();
  for (const entry of schemas) {
    // Compiled by type and version, not by $id, so two files may share an $id pattern.
    const schema: Record<string, unknown> = { ...entry.schema };
    delete schema.$id;
    payloads.set(key(entry.type, entry.version), ajv.compile(schema));
  }
  return {
    schemas,
    validate(value) {
      if (!envelope(value)) {
        throw invalid("envelope", envelope.errors);
      }
      const message: Envelope = value;
      const payload = payloads.get(key(message.type, message.version));
      if (!payload) {
        throw new AppError("MESSAGE_TYPE_UNKNOWN", `no schema for message type ${message.type} v${message.version}`, {
          status: 422,
          details: { type: message.type, version: message.version },
        });
      }
      if (!payload(message.payload)) {
        throw invalid(`${message.type} v${message.version} payload`, payload.errors, "/payload");
      }
      return message;
    },
  };
}

function key(type: string, version: number): string {
  return `${type}@${version}`;
}

function invalid(what: string, errors: ErrorObject[] | null | undefined, prefix = ""): AppError {
  const problems = (errors ?? []).map((e) => `${prefix}${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
  return new AppError("MESSAGE_INVALID", `invalid ${what}: ${problems.join("; ")}`, {
    status: 422,
    details: { problems },
  });
}
