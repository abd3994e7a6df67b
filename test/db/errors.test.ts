import { describe, expect, it } from "vitest";
import { DB_FAILURES, SQLSTATE, classifyDbError, isForeignKeyViolation, isUniqueViolation, sqlState } from "../../lib/db/index.ts";
import { AppError } from "../../lib/errors/index.ts";

const pgError = (code: string) => Object.assign(new Error("driver"), { code });

describe("classifyDbError", () => {
  it.each([
    [SQLSTATE.uniqueViolation, DB_FAILURES.conflict],
    [SQLSTATE.exclusionViolation, DB_FAILURES.conflict],
    [SQLSTATE.serializationFailure, DB_FAILURES.unavailable],
    [SQLSTATE.deadlockDetected, DB_FAILURES.unavailable],
    [SQLSTATE.adminShutdown, DB_FAILURES.unavailable],
    ["08006", DB_FAILURES.unavailable],
    ["53300", DB_FAILURES.unavailable],
    [SQLSTATE.foreignKeyViolation, DB_FAILURES.poison],
    ["22P02", DB_FAILURES.poison],
    [SQLSTATE.undefinedTable, DB_FAILURES.poison],
  ])("sorts SQLSTATE %s as %s", (code, expected) => {
    expect(classifyDbError(pgError(code))).toBe(expected);
  });

  it("counts socket errors and unknown throws as unavailable", () => {
    expect(classifyDbError(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe(DB_FAILURES.unavailable);
    expect(classifyDbError(new Error("Connection terminated unexpectedly"))).toBe(DB_FAILURES.unavailable);
  });

  it("reads an AppError by its retryable flag, not its status", () => {
    expect(classifyDbError(new AppError("X", "x", { retryable: true, status: 400 }))).toBe(DB_FAILURES.unavailable);
    expect(classifyDbError(new AppError("X", "x", { status: 422 }))).toBe(DB_FAILURES.poison);
  });
});

describe("SQLSTATE predicates", () => {
  it("match only driver errors with that state", () => {
    expect(isUniqueViolation(pgError("23505"))).toBe(true);
    expect(isUniqueViolation(pgError("23503"))).toBe(false);
    expect(isForeignKeyViolation(pgError("23503"))).toBe(true);
    expect(sqlState(Object.assign(new Error("x"), { code: "ECONNREFUSED" }))).toBeUndefined();
    expect(sqlState(undefined)).toBeUndefined();
  });
});
