import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/embedded/index.ts";
import { REPO_ROOT, runScript } from "../support/process.ts";
import type { RunningChild } from "../support/process.ts";
import { waitFor } from "../support/wait.ts";

const SECTION = "## First ten minutes";

/** The README's walkthrough: every `sh` block of its "First ten minutes" section, in order. */
async function walkthroughBlocks(): Promise<string[]> {
  const readme = await readFile(join(REPO_ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const rest = readme.slice(start + SECTION.length + 2);
  const section = rest.slice(0, rest.search(/\n## /) >>> 0);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
}

/** Runs the blocks as one bash script, as a person pasting them one after the other would. */
function runBash(script: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("bash", ["--noprofile", "--norc", "-euo", "pipefail", "-c", script], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => resolve({ code: code ?? -1, output }));
  });
}

describe("the README's first ten minutes", () => {
  let dataDir: string;
  let run: RunningChild;
  let api: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "wh-readme-"));
    api = `http://127.0.0.1:${await freePort()}`;
    // `npm start` as a newcomer runs it: embedded PostgreSQL and Azurite, the PostgreSQL bus.
    // Only the ports move, so the test runs beside anything else; the commands get no
    // variable but DATA_DIR and must find this instance themselves.
    run = runScript("bin/warranty-hub.ts", ["start", "all"], {
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      AZURITE_PORT: String(await freePort()),
      PORT: new URL(api).port,
      HOST: "127.0.0.1",
      METRICS_PORT: String(await freePort()),
      BACKUP_INTERVAL_MS: "0",
    });
    await waitFor(
      async () => {
        if (run.child.exitCode !== null) throw new Error(`start all exited ${run.child.exitCode}:\n${run.stderr()}`);
        return fetch(`${api}/health/ready`).then((r) => r.status === 200, () => false);
      },
      { timeoutMs: 120_000, what: "start all" },
    );
  });

  afterAll(async () => {
    if (run.child.exitCode === null) {
      run.child.kill("SIGTERM");
      await run.exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  // About twenty CLI and curl calls, each `npx` start costing a second or more here.
  it("runs every command of the section, and each flow shows what the text says it shows", { timeout: 300_000 }, async () => {
    const blocks = await walkthroughBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const { code, output } = await runBash(blocks.join("\n"), { API: api, DATA_DIR: dataDir });
    expect(code, output).toBe(0);
    // Import: the dry run's report, then the commit's.
    expect(output).toContain("would insert 2, would update 0");
    expect(output).toContain("row 3, line 4, warranty_months: must be <= 120");
    expect(output).toMatch(/failed rows as CSV: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/imports\/[0-9a-f-]+\/errors\.csv/);
    expect(output).toContain("inserted 3, updated 0");
    // Registration: the card is active, with its expiry and a verified invoice.
    expect(output).toMatch(/"status":"active","warrantyExpiresOn":"2028-11-20"/);
    expect(output).toContain('"ocr":{"status":"verified"');
    // Chat: Tom's client catches up on Alex's message, then both messages in sequence.
    expect(output).toMatch(/#1 alex: Hello, the kettle keeps boiling[\s\S]*#1 alex: Hello[\s\S]*#2 tom: On my way with a new thermostat/);
    expect(output).not.toContain("Error:");
    // Dead letters: listed with the reason, shown, and replayed with an audit entry.
    expect(output).toMatch(/ocr\s+ready\s+\d+\s+dead-lettered\s+1/);
    expect(output).toContain('"code": "OCR_CORRUPT_FILE"');
    expect(output).toMatch(/replayed 1 message\(s\) of ocr \(audit \d+\)/);
  });
});
