import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createLogger } from "../../lib/log/index.ts";
import { createMessageValidator } from "../../lib/bus/index.ts";
import type { MessageValidator } from "../../lib/bus/index.ts";

/** A message type used only by the transport tests. */
export const TEST_MESSAGE_TYPE = "test.work";

/** The production envelope schema plus a small test payload schema. */
export async function testValidator(): Promise<MessageValidator> {
  const envelope = JSON.parse(await readFile(new URL("../../schemas/envelope.json", import.meta.url), "utf8")) as Record<
    string,
    unknown
  >;
  return createMessageValidator(envelope, [
    {
      type: TEST_MESSAGE_TYPE,
      version: 1,
      schema: {
        type: "object",
        additionalProperties: false,
        required: ["n"],
        properties: { n: { type: "integer" }, note: { type: "string" } },
      },
    },
  ]);
}

/** A logger that keeps quiet unless TEST_LOG_LEVEL asks otherwise. */
export function testLogger() {
  const level = (process.env.TEST_LOG_LEVEL ?? "silent") as "silent";
  return createLogger({ level, name: "test" });
}

/** A queue prefix no other test run or test file will use. */
export function uniquePrefix(): string {
  return `t${randomUUID().slice(0, 8)}.`;
}
