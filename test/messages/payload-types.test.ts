import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMessageSchemas } from "../../lib/bus/index.ts";
import { renderPayloadTypes } from "../support/message-types.ts";

const ROOT = join(import.meta.dirname, "../..");

describe("lib/messages/payloads.ts", () => {
  it("is what the JSON Schemas in schemas/messages generate (run `npm run messages:types` after changing one)", async () => {
    const schemas = await loadMessageSchemas(join(ROOT, "schemas/messages"));
    await expect(await renderPayloadTypes(schemas)).toMatchFileSnapshot(join(ROOT, "lib/messages/payloads.ts"));
  });
});
