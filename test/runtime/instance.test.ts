import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTokenSigner, loadOrCreateSecret } from "../../lib/auth/index.ts";
import { freePort } from "../../lib/embedded/index.ts";
import type { ImportJobView } from "../../lib/imports/index.ts";
import type { RunningInstance } from "../../lib/runtime/index.ts";
import { runScript } from "../support/process.ts";
import type { RunningChild } from "../support/process.ts";
import { waitFor } from "../support/wait.ts";

const ROWS = 4_000;
const HEADER = "brand,model_number,model_name,category,warranty_months,release_date,serial_format";

/**
 * `npm start` as a newcomer runs it: `warranty-hub start all` with no connection settings,
 * in a private DATA_DIR (mkdtemp), on free ports, killed the way a crash or the OOM killer
 * would, and operator commands run beside it with nothing but DATA_DIR set.
 */
describe("npm start, SIGKILLed mid-import and started again", () => {
  let dataDir = "";
  let env: Record<string, string> = {};
  let api = "";
  let token = "";
  const runs: RunningChild[] = [];

  beforeAll(async () => {
    dataDir = join(await mkdtemp(join(tmpdir(), "wh-instance-")), "data");
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      CHAT_PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      AZURITE_PORT: String(await freePort()),
      // The smallest chunks, so the import is still running when the process is killed.
      IMPORT_CHUNK_BYTES: "1024",
    };
    const sign = createTokenSigner(await loadOrCreateSecret(dataDir));
    token = await sign({ subject: "instance-test", role: "super_admin", expiresIn: "1h" });
  });

  afterAll(async () => {
    for (const run of runs) {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        run.child.kill("SIGTERM");
        await run.exited;
      }
    }
    await rm(join(dataDir, ".."), { recursive: true, force: true });
  });

  async function start(): Promise<RunningChild> {
    const run = runScript("bin/warranty-hub.ts", ["start", "all"], env);
    runs.push(run);
    await waitFor(() => ready(run), { timeoutMs: 90_000, intervalMs: 200, what: "npm start to be ready" });
    return run;
  }

  async function ready(run: RunningChild): Promise<boolean> {
    if (run.child.exitCode !== null) throw new Error(`exited with ${run.child.exitCode}:\n${run.stderr()}`);
    const response = await fetch(`${api}/health/ready`).catch(() => undefined);
    return response?.status === 200;
  }

  async function job(id: string): Promise<ImportJobView> {
    const response = await fetch(`${api}/api/v1/imports/${id}`, { headers: { authorization: `Bearer ${token}` } });
    return (await response.json()) as ImportJobView;
  }

  async function instance(): Promise<RunningInstance> {
    return JSON.parse(await readFile(join(dataDir, "instance.json"), "utf8")) as RunningInstance;
  }

  it("cleans up after the killed run, resumes the import and ends with exact counts", { timeout: 300_000 }, async () => {
    const first = await start();
    const { databaseUrl } = await instance();
    await query(databaseUrl, "insert into brands (name) values ('Hooli')");
    const rows = Array.from({ length: ROWS }, (_, i) => `Hooli,H-${i},Model ${i},phones,12,,`);
    const response = await fetch(`${api}/api/v1/imports?dryRun=false`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/csv" },
      body: `${[HEADER, ...rows].join("\r\n")}\r\n`,
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const midway = await waitFor(
      async () => {
        const view = await job(id);
        return view.progress.chunksDone >= 3 ? view : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 20, what: "the import to be under way" },
    );
    first.child.kill("SIGKILL");
    await first.exited;
    expect(midway.status).not.toBe("succeeded");

    const second = await start();
    expect(second.stdout()).toContain("shutting down PostgreSQL orphaned by an earlier run");
    expect(second.stdout()).toContain("stopping Azurite orphaned by an earlier run");
    const done = await waitFor(
      async () => {
        const view = await job(id);
        return view.status === "succeeded" || view.status === "failed" ? view : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: `import ${id} to end after the restart` },
    );
    expect(done).toMatchObject({ status: "succeeded", counts: { total: ROWS, valid: ROWS, invalid: 0, inserted: ROWS, updated: 0 } });
    expect(done.progress.chunksDone).toBe(done.progress.chunksTotal);
    expect(await query((await instance()).databaseUrl, "select count(*)::int as n, count(distinct model_number)::int as d from product_models")).toEqual([
      { n: ROWS, d: ROWS },
    ]);
  });

  it("lets operator commands with only DATA_DIR set use the running instance", { timeout: 180_000 }, async () => {
    const only = { DATA_DIR: dataDir };
    const created = await command(["backup", "create"], only);
    expect(created.stdout).toMatch(/^backup \S+ created/);
    expect(created.stdout).toContain(`product_models=${ROWS}`);
    expect((await command(["backup", "list"], only)).stdout).toContain("within the RPO");
    expect((await command(["dlq", "list"], only)).stdout).toMatch(/import-chunk\s+ready\s+0\s+dead-lettered\s+0/);
    expect((await command(["flags", "list"], only)).stdout).toContain("DataTransformationFeature off");
  });

  it("refuses, in one line, a second npm start on the same DATA_DIR", async () => {
    const second = runScript("bin/warranty-hub.ts", ["start", "all"], { ...env, PORT: String(await freePort()) });
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(/^could not start: warranty-hub already runs on .+ \(PID \d+, API at http:\/\/127\.0\.0\.1:\d+\); stop it first, or set another DATA_DIR \[INSTANCE_RUNNING\]\n$/);
  });

  it("removes its instance record when stopped with SIGTERM", async () => {
    const last = runs.at(-1);
    last?.child.kill("SIGTERM");
    expect(await last?.exited).toBe(0);
    await expect(access(join(dataDir, "instance.json"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

async function command(args: string[], env: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const run = runScript("bin/warranty-hub.ts", args, env);
  const code = await run.exited;
  if (code !== 0) throw new Error(`warranty-hub ${args.join(" ")} exited with ${code}:\n${run.stderr()}`);
  return { stdout: run.stdout(), stderr: run.stderr() };
}

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await client.end();
  }
}
