import { AppError } from "../errors/index.ts";

const MAX_HEADER_BYTES = 16_384;
const HEADER_END = Buffer.from("\r\n\r\n");

/** The boundary of a `multipart/form-data` content type, or undefined. */
export function multipartBoundary(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

type Phase = "skip" | "headers" | "file";

/**
 * Streams the content of the form part named `field` out of a multipart body without holding
 * the body in memory: only a delimiter's length is kept back between pieces. Throws
 * `IMPORT_FILE_MISSING` (422) when the body has no such part.
 */
export async function* multipartPart(
  source: AsyncIterable<Uint8Array>,
  boundary: string,
  field: string,
): AsyncGenerator<Buffer> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter has no CRLF in front of it; pretending it does makes every delimiter alike.
  let buf: Buffer = Buffer.from("\r\n");
  let phase: Phase = "skip";
  let afterDelimiter = false;
  for await (const piece of source) {
    buf = buf.length === 0 ? Buffer.from(piece) : Buffer.concat([buf, piece]);
    for (;;) {
      if (afterDelimiter) {
        if (buf.length < 2) break;
        if (buf[0] === 0x2d && buf[1] === 0x2d) throw missing(field);
        buf = buf.subarray(2);
        afterDelimiter = false;
        phase = "headers";
      }
      if (phase === "headers") {
        const end = buf.indexOf(HEADER_END);
        if (end < 0) {
          if (buf.length > MAX_HEADER_BYTES) throw malformed("a part's headers are too long");
          break;
        }
        phase = partName(buf.toString("utf8", 0, end)) === field ? "file" : "skip";
        buf = buf.subarray(end + HEADER_END.length);
        continue;
      }
      const at = buf.indexOf(delimiter);
      if (at >= 0) {
        if (phase === "file") {
          if (at > 0) yield buf.subarray(0, at);
          return;
        }
        buf = buf.subarray(at + delimiter.length);
        afterDelimiter = true;
        continue;
      }
      const safe = buf.length - delimiter.length + 1;
      if (safe > 0) {
        if (phase === "file") yield buf.subarray(0, safe);
        buf = Buffer.from(buf.subarray(safe));
      }
      break;
    }
  }
  if (phase === "file") throw malformed("the body ends inside the file part");
  throw missing(field);
}

function partName(headers: string): string | undefined {
  const disposition = headers.split("\r\n").find((line) => /^content-disposition:/i.test(line));
  return disposition === undefined ? undefined : /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
}

function missing(field: string): AppError {
  return new AppError("IMPORT_FILE_MISSING", `the multipart body has no part named "${field}"`, { status: 422 });
}

function malformed(message: string): AppError {
  return new AppError("IMPORT_MULTIPART_INVALID", `the multipart body is malformed: ${message}`, { status: 400 });
}
