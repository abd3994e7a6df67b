import { createHash } from "node:crypto";
import { Transform } from "node:stream";
import { AppError } from "../errors/index.ts";

/** A pass-through that counts and hashes what flows through it and fails once past a size limit. */
export interface Meter {
  readonly stream: Transform;
  /** Bytes seen so far. */
  size(): number;
  /** Hex SHA-256 of everything seen; call once the stream has ended. */
  sha256(): string;
  /** The `BLOB_TOO_LARGE` error once the limit has been crossed. */
  limitError(): AppError | undefined;
}

function blobTooLarge(maxBytes: number): AppError {
  return new AppError("BLOB_TOO_LARGE", `the body is larger than ${maxBytes} bytes`, {
    status: 413,
    retryable: false,
    details: { maxBytes },
  });
}

/** A {@link Meter} that errors as soon as more than `maxBytes` bytes have passed. */
export function createMeter(maxBytes = Number.POSITIVE_INFINITY): Meter {
  const hash = createHash("sha256");
  let size = 0;
  let exceeded: AppError | undefined;
  const stream = new Transform({
    transform(chunk: Buffer | string, encoding, callback) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk;
      size += bytes.length;
      if (size > maxBytes) {
        exceeded = blobTooLarge(maxBytes);
        callback(exceeded);
        return;
      }
      hash.update(bytes);
      callback(null, bytes);
    },
  });
  return { stream, size: () => size, sha256: () => hash.digest("hex"), limitError: () => exceeded };
}
