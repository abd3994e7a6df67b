import { AppError } from "../../lib/errors/index.ts";

/** The AppError `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejectionOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}
