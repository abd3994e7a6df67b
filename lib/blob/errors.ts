import { AppError } from "../errors/index.ts";

/** The HTTP status of a failed storage call; undefined when no response came back at all. */
export function storageStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** True for a storage answer saying the container or blob does not exist. */
export function isNotFound(error: unknown): boolean {
  return storageStatus(error) === 404;
}

/**
 * Wraps a storage failure. No response (refused, reset, timed out), throttling and server
 * errors are worth retrying; any other answer means the request itself was wrong.
 */
export function storageError(error: unknown, action: string, target: string): AppError {
  if (error instanceof AppError) return error;
  const status = storageStatus(error);
  if (status === undefined || status === 408 || status === 429 || status >= 500) {
    return new AppError("BLOB_UNAVAILABLE", `blob storage unavailable while trying to ${action} ${target}`, {
      status: 503,
      retryable: true,
      cause: error,
      ...(status === undefined ? {} : { details: { storageStatus: status } }),
    });
  }
  const code = (error as { code?: unknown }).code;
  return new AppError("BLOB_REQUEST_FAILED", `blob storage refused to ${action} ${target} (${status})`, {
    retryable: false,
    cause: error,
    details: { storageStatus: status, storageCode: typeof code === "string" ? code : undefined },
  });
}

/** Error for a blob that is not there. */
export function blobNotFound(container: string, name: string): AppError {
  return new AppError("BLOB_NOT_FOUND", `blob ${container}/${name} does not exist`, {
    status: 404,
    details: { container, name },
  });
}
