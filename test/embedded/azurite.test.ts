import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { createAzureBlobStore } from "../../lib/blob/index.ts";
import { freePort, startAzurite } from "../../lib/embedded/index.ts";
import { testLogger } from "../support/bus.ts";
import { REPO_ROOT, hasExited } from "../support/process.ts";
import { waitFor } from "../support/wait.ts";

/** A separate Node process that starts Azurite at `location` and then waits to be killed. */
function ownerProcess(location: string, port: number) {
  const script = [
    `import { startAzurite } from ${JSON.stringify(join(REPO_ROOT, "lib/embedded/index.ts"))};`,
    `import { createLogger } from ${JSON.stringify(join(REPO_ROOT, "lib/log/index.ts"))};`,
    `const azurite = await startAzurite({ location: ${JSON.stringify(location)}, port: ${port}, logger: createLogger({ level: "silent" }) });`,
    "process.stdout.write(`${process.pid}\\n`);",
    "setInterval(() => undefined, 60_000);",
  ].join("\n");
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  return { child, started: () => out.includes("\n") };
}


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

  /** A fresh private directory, removed with everything in it after the tests. */
  async function scratch(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "wh-azurite-"));
    dirs.push(dir);
    return dir;
  }

  it("keeps blobs under --location across a restart on the same port", async () => {
    const location = join(await scratch(), "nested");
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
    const file = join(await scratch(), "not-a-directory");
    await writeFile(file, "x");
    await expect(startAzurite({ location: join(file, "inside"), logger })).rejects.toMatchObject({
      code: "AZURITE_START_FAILED",
      message: expect.stringMatching(/exited before listening[\s\S]*ENOTDIR/) as unknown,
    });
  });

  it("stops an Azurite whose owner was SIGKILLed, then starts on the same location and port", async () => {
    const location = join(await scratch(), "data");
    const port = await freePort();
    const owner = ownerProcess(location, port);
    await waitFor(owner.started, { timeoutMs: 30_000, what: "the owner to start Azurite" });
    const orphan = (await readFile(`${location}.owner.json`, "utf8").then(JSON.parse)) as { pid: number };
    owner.child.kill("SIGKILL");
    await once(owner.child, "exit");
    expect(hasExited(orphan.pid)).toBe(false);

    const again = await startAzurite({ location, port, logger });
    try {
      expect(hasExited(orphan.pid)).toBe(true);
      await createAzureBlobStore({ connectionString: again.connectionString }).ping();
    } finally {
      await again.stop();
    }
  });

  it("refuses a location another live process serves", async () => {
    const location = join(await scratch(), "data");
    const first = await startAzurite({ location, logger });
    try {
      await expect(startAzurite({ location, logger })).rejects.toMatchObject({
        code: "AZURITE_START_FAILED",
        message: expect.stringContaining("already serves") as unknown,
      });
    } finally {
      await first.stop();
    }
  });
});
