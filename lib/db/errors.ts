import { AppError } from "../errors/index.ts";

/**
 * The PostgreSQL SQLSTATEs this code base reacts to, by their names in the PostgreSQL manual
 * (Appendix A), so a reader never has to look up what `"23505"` means.
 */
export const SQLSTATE = {
  cardinalityViolation: "21000",
  foreignKeyViolation: "23503",
  uniqueViolation: "23505",
  exclusionViolation: "23P01",
  invalidCatalogName: "3D000",
  serializationFailure: "40001",
  deadlockDetected: "40P01",
  duplicateDatabase: "42P04",
  undefinedTable: "42P01",
  lockNotAvailable: "55P03",
  queryCanceled: "57014",
  adminShutdown: "57P01",
  crashShutdown: "57P02",
  cannotConnectNow: "57P03",
} as const;

/** One of the named {@link SQLSTATE} values. */
export type SqlState = (typeof SQLSTATE)[keyof typeof SQLSTATE];

/** How a worker should treat a failed database call. */
export const DB_FAILURES = {
  /** The server, the connection or a concurrent transaction got in the way: retry later. */
  unavailable: "unavailable",
  /** The write clashes with a row that exists (a unique or exclusion constraint): retrying cannot help. */
  conflict: "conflict",
  /** The statement or its data is wrong and will fail the same way every time. */
  poison: "poison",
} as const;

/** One of {@link DB_FAILURES}. */
export type DbFailure = (typeof DB_FAILURES)[keyof typeof DB_FAILURES];

const SQLSTATE_PATTERN = /^[0-9A-Z]{5}$/;

/** The SQLSTATE a pg driver error carries; undefined for anything else (socket errors included). */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" && SQLSTATE_PATTERN.test(code) ? code : undefined;
}

/** True when `error` is a driver error with the given SQLSTATE. */
export function hasSqlState(error: unknown, state: SqlState): boolean {
  return sqlState(error) === state;
}

/** A unique index refused the row (`unique_violation`). */
export function isUniqueViolation(error: unknown): boolean {
  return hasSqlState(error, SQLSTATE.uniqueViolation);
}

/** A foreign key refused the write or delete (`foreign_key_violation`). */
export function isForeignKeyViolation(error: unknown): boolean {
  return hasSqlState(error, SQLSTATE.foreignKeyViolation);
}

// Class 08 (connection exception), 53 (insufficient resources) and 58 (system error) say nothing about the statement.
const UNAVAILABLE_CLASSES = new Set(["08", "53", "58"]);
const UNAVAILABLE_STATES = new Set<string>([
  SQLSTATE.serializationFailure,
  SQLSTATE.deadlockDetected,
  SQLSTATE.lockNotAvailable,
  SQLSTATE.queryCanceled,
  SQLSTATE.adminShutdown,
  SQLSTATE.crashShutdown,
  SQLSTATE.cannotConnectNow,
]);
const CONFLICT_STATES = new Set<string>([SQLSTATE.uniqueViolation, SQLSTATE.exclusionViolation]);

/**
 * Sorts a failure by its code, never by an HTTP status. SQLSTATEs go by class; an
 * {@link AppError} by its `retryable` flag; anything without a code (a reset socket, a
 * terminated connection) counts as unavailable, as `describeError` counts it retryable.
 */
export function classifyDbError(error: unknown): DbFailure {
  const state = sqlState(error);
  if (state !== undefined) {
    if (CONFLICT_STATES.has(state)) return DB_FAILURES.conflict;
    if (UNAVAILABLE_STATES.has(state) || UNAVAILABLE_CLASSES.has(state.slice(0, 2))) return DB_FAILURES.unavailable;
    return DB_FAILURES.poison;
  }
  if (error instanceof AppError) return error.retryable ? DB_FAILURES.unavailable : DB_FAILURES.poison;
  return DB_FAILURES.unavailable;
}
