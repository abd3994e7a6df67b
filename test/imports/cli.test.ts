import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServer } from "../../services/api/server.ts";
import type { ApiServer } from "../../services/api/server.ts";
import { createHarness, csv } from "./support/harness.ts";
import type { Harness } from "./support/harness.ts";

const CLI = fileURLToPath(new URL("../../bin/warranty-hub.ts", import.meta.url));

function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "import", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("warranty-hub import FILE against a listening API", () => {
  let h: Harness;
  let server: ApiServer;
  let url: string;
  let dir: string;
  let token: string;

  beforeAll(async () => {
    h = await createHarness("postgres", { chunkBytes: 128 });
    await h.startWorkers();
    await h.brand("Stark");
    server = await startApiServer({ app: h.app, port: 0, host: "127.0.0.1" });
    url = `http://127.0.0.1:${server.port}`;
    dir = await mkdtemp(join(tmpdir(), "wh-import-"));
    token = await h.token("super_admin");
  });
  afterAll(async () => {
    await server?.close();
    await h?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("dry-runs then commits a file, printing the report, with exit code 0", async () => {
    const file = join(dir, "good.csv");
    await writeFile(file, csv(Array.from({ length: 20 }, (_, i) => `Stark,S-${i},Suit ${i},armour,60,,`)));
    const dry = await runCli([file, "--dry-run", "--url", url, "--token", token]);
    expect(dry.stderr).toContain("chunks");
    expect(dry.stdout).toContain("succeeded (dry run)");
    expect(dry.stdout).toContain("rows: 20 total, 20 valid, 0 invalid");
    expect(dry.stdout).toContain("would insert 20, would update 0");
    expect(dry.code).toBe(0);
    const { rows: none } = await h.db.pool.query("select 1 from product_models");
    expect(none).toEqual([]);

    const commit = await runCli([file, "--url", url], { WH_TOKEN: token });
    expect(commit.stdout).toContain("inserted 20, updated 0");
    expect(commit.code).toBe(0);
  });

  it("exits non-zero on a failed job and lists the errors", async () => {
    const file = join(dir, "bad.csv");
    await writeFile(file, csv(["Stark,T-1,Fine,armour,60,,", "Stark,T-2,Too long,armour,600,,"]));
    const result = await runCli([file, "--url", url, "--token", token, "--max-invalid-percent", "10"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("failed");
    expect(result.stdout).toContain("IMPORT_TOO_MANY_INVALID");
    expect(result.stdout).toContain("row 2, line 3, warranty_months: must be <= 120 [VALUE_RANGE]");
  });

  it("exits non-zero when the upload is refused", async () => {
    const file = join(dir, "empty.csv");
    await writeFile(file, "");
    const result = await runCli([file, "--url", url, "--token", token]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("IMPORT_EMPTY");
  });
});
