import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Busboy } from "@fastify/busboy";
import type { BusboyFileStream } from "@fastify/busboy";
import { AppError } from "../errors/index.ts";

/** One part of a multipart/form-data body; `body` must be read (or abandoned) before the next part. */
export interface MultipartPart {
  readonly name: string;
  /** Present for file parts. */
  readonly filename: string | undefined;
  /** As a file part declares it (`text/plain` when it declares none); undefined for a field. Never trusted for what the bytes are. */
  readonly contentType: string | undefined;
  readonly body: AsyncIterable<Buffer>;
}

/**
 * Bounds on a body, so a hostile one cannot grow memory or run on forever. Byte limits fail
 * with 413 `MULTIPART_TOO_LARGE` while streaming; too many parts is 400 `MULTIPART_INVALID`.
 */
export interface MultipartLimits {
  /** Most parts in one body. Default 20. */
  readonly maxParts?: number;
  /** Largest header block of one part; the parser cuts longer ones and never buffers them. Default 8 KiB. */
  readonly maxHeaderBytes?: number;
  /** Largest body of a part without a filename. Default 64 KiB. */
  readonly maxFieldBytes?: number;
  /** Largest body of a part with a filename. Default 10 MiB. */
  readonly maxFileBytes?: number;
  /** Largest whole body, every byte counted (boundaries, headers, preamble). Default the file limit + 1 MiB. */
  readonly maxTotalBytes?: number;
}

const DEFAULTS = { maxParts: 20, maxHeaderBytes: 8 * 1024, maxFieldBytes: 64 * 1024, maxFileBytes: 10 * 1024 * 1024 } as const;
const FRAMING_ALLOWANCE = 1024 * 1024;
const MAX_HEADER_PAIRS = 20;

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

interface Received {
  readonly name: string | undefined;
  readonly filename: string | undefined;
  readonly contentType: string;
  readonly stream: BusboyFileStream;
}

/**
 * Parses multipart/form-data (RFC 7578) with @fastify/busboy, as a stream: part bodies are
 * handed out chunk by chunk as they arrive, so a file goes on to its destination without
 * being held in memory, and the source is read only as fast as the parts are. Framing
 * errors are 400 `MULTIPART_INVALID`; limits are {@link MultipartLimits}.
 */
export async function* parseMultipart(
  source: AsyncIterable<Uint8Array>,
  boundary: string,
  limits: MultipartLimits = {},
): AsyncGenerator<MultipartPart> {
  const settings = { ...DEFAULTS, ...limits };
  const maxTotalBytes = limits.maxTotalBytes ?? settings.maxFileBytes + FRAMING_ALLOWANCE;
  const parser = createParser(boundary, settings);
  const queue: Received[] = [];
  let failure: AppError | undefined;
  let finished = false;
  let signal = Promise.withResolvers<void>();
  const notify = () => {
    signal.resolve();
    signal = Promise.withResolvers<void>();
  };
  const fail = (error: unknown) => {
    failure ??= error instanceof AppError ? error : malformed(describe(error));
    notify();
  };
  parser.on("file", (name: string | undefined, stream: BusboyFileStream, filename: string | undefined, _encoding: string, contentType: string) => {
    queue.push({ name, filename, contentType, stream });
    notify();
  });
  parser.on("partsLimit", () => fail(malformed(`more than ${settings.maxParts} parts`)));
  // Heard here, not only through the pipeline: a body that ends early is reported after the parser has finished.
  parser.on("error", fail);
  parser.on("finish", () => {
    finished = true;
    notify();
  });
  const stop = new AbortController();
  pipeline(Readable.from(counted(source, maxTotalBytes), { objectMode: false }), parser, { signal: stop.signal }).catch(fail);
  try {
    for (;;) {
      const next = queue.shift();
      if (failure !== undefined) throw failure;
      if (next === undefined) {
        if (finished) return;
        await signal.promise;
        continue;
      }
      if (next.name === undefined) throw malformed("a part has no name");
      const max = next.filename === undefined ? settings.maxFieldBytes : settings.maxFileBytes;
      const body = limitedBody(next.stream, max, next.name, () => failure);
      yield {
        name: next.name,
        filename: next.filename,
        contentType: next.filename === undefined ? undefined : next.contentType,
        body: { [Symbol.asyncIterator]: () => body },
      };
      // A reader that stopped early leaves the rest of its part: skip it, or the parser waits for it.
      while ((await body.next()).done !== true);
    }
  } finally {
    if (!finished) stop.abort();
  }
}

/** Every part is streamed, named or not: the adapter, not the library, decides how much a part may hold. */
function createParser(boundary: string, settings: Required<Omit<MultipartLimits, "maxTotalBytes">>): InstanceType<typeof Busboy> {
  try {
    return new Busboy({
      headers: { "content-type": `multipart/form-data; boundary="${boundary}"` },
      isPartAFile: () => true,
      limits: { parts: settings.maxParts, headerSize: settings.maxHeaderBytes, headerPairs: MAX_HEADER_PAIRS },
    });
  } catch (cause) {
    throw malformed(describe(cause), cause);
  }
}

/** The source, failing once more than `max` bytes have come. */
async function* counted(source: AsyncIterable<Uint8Array>, max: number): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > max) throw tooLarge("the body", max);
    yield chunk;
  }
}

/**
 * A part's bytes; fails past `max`. Only `next` is offered, so a reader that breaks out of its
 * loop does not destroy the stream the parser still writes to.
 */
function limitedBody(stream: BusboyFileStream, max: number, name: string, failure: () => AppError | undefined): AsyncIterator<Buffer> {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let size = 0;
  return {
    async next() {
      try {
        const step = await chunks.next();
        if (step.done !== true) {
          size += step.value.length;
          if (size > max) throw tooLarge(`part ${JSON.stringify(name)}`, max);
        }
        return step;
      } catch (error) {
        // A body cut short fails the part's stream and the parser; the parser's reason is the clearer.
        throw failure() ?? (error instanceof AppError ? error : malformed(describe(error)));
      }
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function tooLarge(what: string, max: number): AppError {
  return new AppError("MULTIPART_TOO_LARGE", `${what} exceeds ${max} bytes`, { status: 413, details: { maxBytes: max } });
}

function malformed(message: string, cause?: unknown): AppError {
  return new AppError("MULTIPART_INVALID", `malformed multipart body: ${message}`, { status: 400, cause });
}
