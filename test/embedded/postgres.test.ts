import { spawn } from "node:child_process";
import { lchown, lstat, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, startEmbeddedPostgres } from "../../lib/embedded/index.ts";
import type { RunningPostgres } from "../../lib/embedded/index.ts";
import { testLogger } from "../support/bus.ts";
import { hasExited } from "../support/process.ts";
import { waitFor } from "../support/wait.ts";

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}


describe("startEmbeddedPostgres", () => {
  const logger = testLogger();
  let dataDir = "";
  const running: RunningPostgres[] = [];
  afterAll(async () => {
    for (const server of running) await server.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function start(port: number) {
    const server = await startEmbeddedPostgres({ dataDir, port, logger });
    running.push(server);
    return server;
  }

  it("initialises, serves warranty_hub, and keeps data across restarts", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "wh-pg-"));
    const port = await freePort();
    const first = await start(port);
    expect(new URL(first.url).pathname).toBe("/warranty_hub");
    expect(first.url).not.toContain("password@");
    await query(first.url, "create table kept (note text); insert into kept values ('before restart')");
    await first.stop();

    const passwordFile = join(dataDir, "postgres-password");
    expect((await stat(passwordFile)).mode & 0o777).toBe(0o600);
    expect(first.url).toContain(`:${(await readFile(passwordFile, "utf8")).trim()}@`);

    const second = await start(port);
    expect(second.url).toBe(first.url);
    expect(await query(second.url, "select note from kept")).toEqual([{ note: "before restart" }]);
    await second.stop();
  });

  it("refuses a second server on a data directory that is in use", async () => {
    const port = await freePort();
    const server = await start(port);
    await expect(startEmbeddedPostgres({ dataDir, port: await freePort(), logger })).rejects.toMatchObject({
      code: "EMBEDDED_POSTGRES_RUNNING",
    });
    expect(await query(server.url, "select count(*)::int as n from kept")).toEqual([{ n: 1 }]);
    await server.stop();
  });

  it("recovers after the postmaster is SIGKILLed and leaves its postmaster.pid behind", async () => {
    const port = await freePort();
    const server = await start(port);
    const pidFile = join(dataDir, "postgres", "postmaster.pid");
    const pid = Number((await readFile(pidFile, "utf8")).split("\n")[0]);
    process.kill(pid, "SIGKILL");
    await waitFor(() => hasExited(pid), { what: "the killed postmaster to be reaped" });
    expect((await readFile(pidFile, "utf8")).startsWith(`${pid}\n`)).toBe(true);
    await server.stop();

    const again = await start(port);
    expect(await query(again.url, "select note from kept")).toEqual([{ note: "before restart" }]);
    await again.stop();
  });

  it("starts when postmaster.pid names a live process that is not PostgreSQL (a reused PID)", async () => {
    // Runs as this process's user, like the server: PostgreSQL itself ignores a PID it may not signal.
    const sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
    try {
      const pid = sleeper.pid ?? 0;
      expect(pid).toBeGreaterThan(0);
      await writeFile(join(dataDir, "postgres", "postmaster.pid"), `${pid}\n${join(dataDir, "postgres")}\n`);
      const server = await start(await freePort());
      expect(await query(server.url, "select note from kept")).toEqual([{ note: "before restart" }]);
      await server.stop();
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  // Only root can hand files to another user, which is how earlier versions left the cluster.
  it.skipIf(process.getuid?.() !== 0)("as root, starts a cluster an earlier version left owned by user nobody", async () => {
    await chownTree(join(dataDir, "postgres"), 65534, 65534);
    const server = await start(await freePort());
    expect(await query(server.url, "select note from kept")).toEqual([{ note: "before restart" }]);
    expect((await stat(join(dataDir, "postgres", "PG_VERSION"))).uid).toBe(0);
    await server.stop();
  });
});

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  const info = await lstat(path);
  if (info.isDirectory()) for (const entry of await readdir(path)) await chownTree(join(path, entry), uid, gid);
  await lchown(path, uid, gid);
}
