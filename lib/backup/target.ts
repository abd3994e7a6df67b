import { SQLSTATE, createPool, hasSqlState } from "../db/index.ts";
import type { Pool } from "../db/index.ts";
import { AppError } from "../errors/index.ts";
import { userTableCount } from "./queries.ts";

/** The database a restore writes into, and whether this run created it. */
export interface PreparedTarget {
  readonly database: string;
  readonly created: boolean;
}

const MAINTENANCE_DATABASES = ["postgres", "template1"] as const;

/**
 * Makes sure `targetUrl` names a new database: creates it through the server's maintenance
 * database when it does not exist, and refuses (`BACKUP_TARGET_NOT_EMPTY`, 409) when it
 * exists with tables, so a restore can never write over live data.
 */
export async function prepareTarget(targetUrl: string): Promise<PreparedTarget> {
  const database = databaseName(targetUrl);
  const created = await createIfMissing(targetUrl, database);
  const pool = createPool(targetUrl, { max: 1, applicationName: "warranty-hub-restore" });
  try {
    const tables = await userTableCount(pool);
    if (tables > 0) {
      throw new AppError(
        "BACKUP_TARGET_NOT_EMPTY",
        `database ${database} already has ${tables} table(s); restore only into a new or empty database`,
        { status: 409, details: { database, tables } },
      );
    }
  } finally {
    await pool.end();
  }
  return { database, created };
}

/** The database name in a PostgreSQL URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  if (name === "") {
    throw new AppError("BACKUP_TARGET_INVALID", "the target URL names no database", { status: 400 });
  }
  return name;
}

/** A URL to `name` on the same server with the same credentials. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(name)}`;
  return parsed.toString();
}

async function createIfMissing(targetUrl: string, database: string): Promise<boolean> {
  const pool = await maintenancePool(targetUrl);
  try {
    const { rowCount } = await pool.query("select 1 from pg_catalog.pg_database where datname = $1", [database]);
    if ((rowCount ?? 0) > 0) return false;
    try {
      await pool.query(`create database ${quoteIdent(database)}`);
      return true;
    } catch (error) {
      if (hasSqlState(error, SQLSTATE.duplicateDatabase)) return false;
      throw new AppError("BACKUP_TARGET_CREATE_FAILED", `could not create database ${database}`, { cause: error });
    }
  } finally {
    await pool.end();
  }
}

async function maintenancePool(targetUrl: string): Promise<Pool> {
  let lastError: unknown;
  for (const name of MAINTENANCE_DATABASES) {
    const pool = createPool(withDatabase(targetUrl, name), { max: 1, applicationName: "warranty-hub-restore" });
    try {
      await pool.query("select 1");
      return pool;
    } catch (error) {
      await pool.end();
      lastError = error;
      if (!hasSqlState(error, SQLSTATE.invalidCatalogName)) break;
    }
  }
  throw new AppError("BACKUP_TARGET_UNREACHABLE", "cannot reach the target server's maintenance database", {
    retryable: true,
    cause: lastError,
  });
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
