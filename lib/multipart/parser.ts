import { AppError } from "../errors/index.ts";

/** One part of a multipart/form-data body; `body` must be read (or abandoned) before the next part. */
export interface MultipartPart {
  readonly name: string;
  /** Present for file parts. */
  readonly filename: string | undefined;
  /** As declared by the client; never trusted for what the bytes are. */
  readonly contentType: string | undefined;
  readonly body: AsyncIterable<Buffer>;
}

/** Bounds on the framing, so a hostile body cannot grow the parser's buffers. */
export interface MultipartLimits {
  /** Largest header block of one part. Default 8 KiB. */
  readonly maxHeaderBytes?: number;
  /** Most parts in one body. Default 20. */
  readonly maxParts?: number;
}

const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");

/** Reads the boundary out of a `multipart/form-data; boundary=...` content type; 415 otherwise. */
export function multipartBoundary(contentType: string | undefined): string {
  const type = contentType ?? "";
  const match = /^multipart\/form-data\s*;(?:.*;)?\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(type);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "the request body must be multipart/form-data with a boundary", {
      status: 415,
      details: { contentType: type },
    });
  }
  return boundary;
}

/** Pulls bytes from a source and keeps the unread rest; the buffer never holds more than one chunk plus a delimiter. */
class ByteReader {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly source: AsyncIterator<Uint8Array>;
  private ended = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** Appends the next chunk; false when the source is exhausted. */
  async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    // A view, not a copy: stream chunks are never written to once handed over.
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    return true;
  }

  /** Bytes up to `delimiter` (consumed, not returned); fails past `max` bytes. */
  async readUntil(delimiter: Buffer, max: number, what: string): Promise<Buffer> {
    for (;;) {
      const at = this.buffer.indexOf(delimiter);
      if (at >= 0) {
        const head = this.buffer.subarray(0, at);
        this.buffer = this.buffer.subarray(at + delimiter.length);
        return head;
      }
      if (this.buffer.length > max + delimiter.length) throw malformed(`${what} exceeds ${max} bytes`);
      if (!(await this.fill())) throw malformed(`body ended inside ${what}`);
    }
  }

  /** Yields the bytes before `delimiter`, holding back only what could be the start of it. */
  async *streamUntil(delimiter: Buffer): AsyncGenerator<Buffer> {
    for (;;) {
      const at = this.buffer.indexOf(delimiter);
      if (at >= 0) {
        if (at > 0) yield this.buffer.subarray(0, at);
        this.buffer = this.buffer.subarray(at + delimiter.length);
        return;
      }
      const safe = this.buffer.length - (delimiter.length - 1);
      if (safe > 0) {
        const out = this.buffer.subarray(0, safe);
        this.buffer = this.buffer.subarray(safe);
        yield out;
      }
      if (!(await this.fill())) throw malformed("body ended inside a part");
    }
  }

  /** The next `count` bytes without consuming them (fewer at the end of the source). */
  async peek(count: number): Promise<Buffer> {
    while (this.buffer.length < count && (await this.fill()));
    return this.buffer.subarray(0, count);
  }

  skip(count: number): void {
    this.buffer = this.buffer.subarray(count);
  }
}

/**
 * Parses multipart/form-data (RFC 7578) as a stream: part bodies are handed out chunk by
 * chunk as they arrive, so a file goes on to its destination without being held in memory.
 * Framing errors are 400 `MULTIPART_INVALID`.
 */
export async function* parseMultipart(
  source: AsyncIterable<Uint8Array>,
  boundary: string,
  limits: MultipartLimits = {},
): AsyncGenerator<MultipartPart> {
  const maxHeaderBytes = limits.maxHeaderBytes ?? 8192;
  const maxParts = limits.maxParts ?? 20;
  const reader = new ByteReader(source);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first boundary has no CRLF before it; anything before it is preamble.
  const first = Buffer.from(`--${boundary}`);
  if (!(await reader.peek(first.length)).equals(first)) {
    for await (const preamble of reader.streamUntil(delimiter)) void preamble;
  } else {
    reader.skip(first.length);
  }
  for (let count = 0; ; count += 1) {
    const after = await reader.peek(2);
    if (after.equals(Buffer.from("--"))) return;
    await reader.readUntil(CRLF, 256, "the line after a boundary");
    if (count >= maxParts) throw malformed(`more than ${maxParts} parts`);
    const headers = parseHeaders((await reader.readUntil(HEADER_END, maxHeaderBytes, "part headers")).toString("latin1"));
    const body = reader.streamUntil(delimiter);
    // Only `next` is exposed: a reader that stops early must not end the generator, whose rest is drained below.
    const exposed: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => ({ next: () => body.next() }) };
    yield { ...headers, body: exposed };
    while ((await body.next()).done !== true);
  }
}

function parseHeaders(block: string): Omit<MultipartPart, "body"> {
  const headers = new Map<string, string>();
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw malformed(`bad part header line ${JSON.stringify(line.slice(0, 80))}`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get("content-disposition") ?? "";
  if (!/^form-data\s*(;|$)/i.test(disposition)) throw malformed("every part needs Content-Disposition: form-data");
  const name = dispositionParam(disposition, "name");
  if (name === undefined) throw malformed("a part has no name");
  return { name, filename: dispositionParam(disposition, "filename"), contentType: headers.get("content-type") };
}

function dispositionParam(disposition: string, key: string): string | undefined {
  const match = new RegExp(`;\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, "i").exec(disposition);
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : match[2];
}

function malformed(message: string): AppError {
  return new AppError("MULTIPART_INVALID", `malformed multipart body: ${message}`, { status: 400 });
}
