/**
 * PostgreSQL access: the pool and transactions, migrations and the rollback ceiling, the inbox
 * that makes handlers idempotent, LISTEN connections, and named SQLSTATEs.
 */

export type { Pool, PoolClient } from "pg";
export type { PoolSettings } from "./pool.ts";
export { createPool, withTransaction } from "./pool.ts";
export { claimMessage } from "./inbox.ts";
export type { ListenConnection, ListenOptions } from "./listen.ts";
export { openListenConnection } from "./listen.ts";
export type { DbFailure, SqlState } from "./errors.ts";
export {
  DB_FAILURES,
  SQLSTATE,
  classifyDbError,
  hasSqlState,
  isForeignKeyViolation,
  isUniqueViolation,
  sqlState,
} from "./errors.ts";
export type { Migration } from "./migration-files.ts";
export { MIGRATIONS_DIRECTORY, loadMigrations } from "./migration-files.ts";
export type { MigrateDownOptions, MigrateUpOptions, MigrationState } from "./migrate.ts";
export { migrateDown, migrateUp, migrationCeiling, migrationStatus } from "./migrate.ts";
export type { MigrationCeiling } from "./ceiling.ts";
export type { Page } from "./cursor.ts";
export { CURSOR_PART, decodeCursor, encodeCursor, pageOf } from "./cursor.ts";
