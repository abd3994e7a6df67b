import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { createAzureBlobStore } from "../../lib/blob/index.ts";
import { freePort, startAzurite } from "../../lib/embedded/index.ts";
import { testLogger } from "../support/bus.ts";

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

describe("startAzurite", () => {
  const logger = testLogger();
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("keeps blobs under --location across a restart on the same port", async () => {
    const location = join(await mkdtemp(join(tmpdir(), "wh-azurite-")), "nested");
    dirs.push(location);
    const port = await freePort();
    const first = await startAzurite({ location, port, logger });
    expect(first.port).toBe(port);
    expect(first.connectionString).toContain(`BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1`);
    await createAzureBlobStore({ connectionString: first.connectionString }).upload(
      "kept",
      "note.txt",
      Readable.from([Buffer.from("survives restarts")]),
    );
    await first.stop();
    await first.stop();

    const second = await startAzurite({ location, port, logger });
    try {
      const store = createAzureBlobStore({ connectionString: second.connectionString });
      expect(await text(await store.download("kept", "note.txt"))).toBe("survives restarts");
    } finally {
      await second.stop();
    }
  });

  it("refuses a port something else already listens on", async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const address = squatter.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      await expect(startAzurite({ port, inMemory: true, logger })).rejects.toMatchObject({
        code: "AZURITE_START_FAILED",
        details: { port },
      });
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it("reports Azurite's own error output when it cannot start", async () => {
    const file = join(await mkdtemp(join(tmpdir(), "wh-azurite-")), "not-a-directory");
    dirs.push(file);
    await writeFile(file, "x");
    await expect(startAzurite({ location: join(file, "inside"), logger })).rejects.toMatchObject({
      code: "AZURITE_START_FAILED",
      message: expect.stringMatching(/exited before listening[\s\S]*ENOTDIR/) as unknown,
    });
  });
});
