/**
 * Errors that cross a boundary (HTTP, message handler, CLI) carry a stable machine-readable
 * `code`, say whether retrying can help, and keep their `cause`.
 */
export class AppError extends Error {
  /** Stable, machine-readable identifier such as `MESSAGE_INVALID`. */
  readonly code: string;
  /** True when the same operation may succeed if tried again later. */
  readonly retryable: boolean;
  /** HTTP status the ingress answers with; 500 when the error is not the client's fault. */
  readonly status: number;
  /** Structured detail safe to show a client (field names, row numbers, ...). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: string,
    message: string,
    options: {
      retryable?: boolean;
      status?: number;
      details?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.status = options.status ?? 500;
    this.details = options.details;
  }
}

/** True for an {@link AppError} with the given code. */
export function isAppError(error: unknown, code?: string): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}

/**
 * Reads the code and retryability of anything thrown. Unknown errors count as retryable:
 * a crash in a dependency is more often transient than a programming error is permanent,
 * and the retry limit bounds the cost of being wrong.
 */
export function describeError(error: unknown): { code: string; message: string; retryable: boolean } {
  if (error instanceof AppError) {
    return { code: error.code, message: error.message, retryable: error.retryable };
  }
  if (error instanceof Error) {
    return { code: "UNEXPECTED", message: error.message, retryable: true };
  }
  return { code: "UNEXPECTED", message: String(error), retryable: true };
}
