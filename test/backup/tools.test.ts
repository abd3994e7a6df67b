import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { backupToolsCheck, checkBackupTools, findPgTool } from "../../lib/backup/index.ts";
import { createPool } from "../../lib/db/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { createHealth } from "../../lib/health/index.ts";
import { logSink } from "../support/api-app.ts";
import { rejectionOf } from "../support/errors.ts";

/** An absolute path for a tool `findPgTool` found on PATH by its bare name. */
function absolute(path: string): string {
  return path.includes("/") ? path : execFileSync("bash", ["-c", 'command -v "$0"', path], { encoding: "utf8" }).trim();
}

describe("the backup tools readiness check", () => {
  let pool: Pool;
  let serverMajor: number;
  const dirs: string[] = [];
  beforeAll(async () => {
    pool = createPool(inject("adminDatabaseUrl"), { max: 1 });
    const { rows } = await pool.query<{ num: string }>("select current_setting('server_version_num') as num");
    serverMajor = Math.floor(Number(rows[0]?.num) / 10_000);
  });
  afterAll(async () => {
    await pool.end();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  /** A directory standing in for a PostgreSQL bin directory, holding only `files`. */
  async function binDir(files: Record<string, { script: string } | { link: string }>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "wh-pg-bin-"));
    dirs.push(dir);
    for (const [name, file] of Object.entries(files)) {
      const path = join(dir, name);
      if ("link" in file) {
        await symlink(file.link, path);
      } else {
        await writeFile(path, `#!/bin/sh\n${file.script}\n`);
        await chmod(path, 0o755);
      }
    }
    return dir;
  }

  /** Readiness of a process whose only check is the backup tools, found as `search` says. */
  async function readinessWith(directory: string) {
    const sink = logSink();
    const health = createHealth({});
    health.addCheck("backupTools", await backupToolsCheck(pool, sink.logger, { directories: [directory], onlyDirectories: true }));
    return { report: await health.ready(), logged: sink.lines() };
  }

  it("passes with this machine's pg_dump and pg_restore, which are at least as new as the server", async () => {
    const tools = await checkBackupTools(pool);
    expect(tools.serverMajor).toBe(serverMajor);
    expect(tools.pgDump.major).toBeGreaterThanOrEqual(serverMajor);
    expect(tools.pgRestore.major).toBeGreaterThanOrEqual(serverMajor);
    const health = createHealth({});
    health.addCheck("backupTools", await backupToolsCheck(pool, logSink().logger));
    expect(await health.ready()).toMatchObject({ status: "ready", checks: { backupTools: { ok: true } } });
  });

  it("is not ready when the tools are missing, and names both", async () => {
    const { report, logged } = await readinessWith(await binDir({}));
    expect(report.status).toBe("not_ready");
    const error = report.checks.backupTools?.error ?? "";
    expect(error).toContain(`pg_dump ${serverMajor} or newer is needed`);
    expect(error).toContain(`pg_restore ${serverMajor} or newer is needed`);
    expect(error).toContain("none found");
    expect(error).toContain(`postgresql-client-${serverMajor}`);
    expect(logged.some((l) => l.level === 50 && String(l.msg).includes("cannot take backups"))).toBe(true);
  });

  it("is not ready when pg_dump is older than the server, and names only pg_dump", async () => {
    const restore = await findPgTool("pg_restore", serverMajor);
    const dir = await binDir({
      pg_dump: { script: 'echo "pg_dump (PostgreSQL) 9.6.24"' },
      pg_restore: { link: absolute(restore.path) },
    });
    const { report } = await readinessWith(dir);
    expect(report.status).toBe("not_ready");
    const error = report.checks.backupTools?.error ?? "";
    expect(error).toContain(`pg_dump ${serverMajor} or newer is needed (the server is PostgreSQL ${serverMajor}); candidates: ${join(dir, "pg_dump")} (9)`);
    expect(error).not.toContain("pg_restore");
    const rejected = await rejectionOf(checkBackupTools(pool, { directories: [dir], onlyDirectories: true }));
    expect(rejected.code).toBe("BACKUP_TOOL_UNAVAILABLE");
  });

  it("keeps its start-up verdict: the check runs once, not on every probe", async () => {
    const dir = await binDir({});
    const health = createHealth({});
    health.addCheck("backupTools", await backupToolsCheck(pool, logSink().logger, { directories: [dir], onlyDirectories: true }));
    const restore = await findPgTool("pg_restore", serverMajor);
    const dump = await findPgTool("pg_dump", serverMajor);
    await symlink(absolute(dump.path), join(dir, "pg_dump"));
    await symlink(absolute(restore.path), join(dir, "pg_restore"));
    expect((await health.ready()).status).toBe("not_ready");
  });
});
