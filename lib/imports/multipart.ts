import { AppError } from "../errors/index.ts";
import { parseMultipart } from "../multipart/index.ts";
import type { MultipartLimits } from "../multipart/index.ts";

/** What a form may carry besides the CSV: boundaries, part headers, small fields. */
const FRAMING_BYTES = 64 * 1024;

/**
 * Streams the part named `field` out of a multipart body through the shared parser, never
 * holding the file in memory; the other parts are skipped. Throws `IMPORT_FILE_MISSING`
 * (422) when the body has no such part. `maxBytes` is the import's own limit, which the
 * chunker reports as IMPORT_TOO_LARGE; the parser's limits sit just above it.
 */
export async function* multipartPart(
  source: AsyncIterable<Uint8Array>,
  boundary: string,
  field: string,
  maxBytes?: number,
): AsyncGenerator<Buffer> {
  const limits: MultipartLimits =
    maxBytes === undefined
      ? {}
      : { maxFieldBytes: maxBytes + FRAMING_BYTES, maxFileBytes: maxBytes + FRAMING_BYTES, maxTotalBytes: maxBytes + 2 * FRAMING_BYTES };
  let found = false;
  for await (const part of parseMultipart(source, boundary, limits)) {
    if (found || part.name !== field) continue;
    found = true;
    yield* part.body;
  }
  if (!found) throw new AppError("IMPORT_FILE_MISSING", `the multipart body has no part named "${field}"`, { status: 422 });
}
