import { isUtf8 } from "node:buffer";
import { parse } from "csv-parse/sync";
import { AppError } from "../errors/index.ts";
import { checkHeader } from "./columns.ts";
import type { ImportColumn } from "./columns.ts";
import { newScanState, recordSpans, scanRecords } from "./scanner.ts";

/** How {@link cutChunks} cuts a file. */
export interface ChunkOptions {
  /** A chunk ends at the first record boundary after this many bytes. */
  readonly chunkBytes: number;
  /** Larger uploads fail with `IMPORT_TOO_LARGE` (413) as soon as the limit is passed. */
  readonly maxBytes: number;
  /** Longest record; beyond it a quoted field is taken to be unclosed. Default 1 MiB. */
  readonly maxRecordBytes?: number;
  /** Renames the header cells before they are checked: a brand's transformation script (lib/transformations). */
  readonly mapHeader?: (cells: readonly string[]) => readonly string[];
}

/** A run of whole records (no header) and where it sits in the file. */
export interface CsvChunk {
  readonly no: number;
  readonly data: Buffer;
  /** Data row number (1-based, blank lines not counted) of the first record. */
  readonly firstRow: number;
  /** File line (1-based, header is line 1) the first record starts on. */
  readonly firstLine: number;
  readonly rows: number;
}

/** What {@link cutChunks} yields: the header once, then chunks, then the totals. */
export type ChunkEvent =
  | { readonly kind: "header"; readonly columns: ImportColumn[] }
  | { readonly kind: "chunk"; readonly chunk: CsvChunk }
  | { readonly kind: "end"; readonly rows: number; readonly bytes: number };

interface Cutter {
  parts: Buffer[];
  /** Bytes pending (received and not yet cut off). */
  length: number;
  /** Absolute offset of the first pending byte. */
  consumed: number;
  rows: number;
  chunkNo: number;
  firstRow: number;
  firstLine: number;
}

/** A place to cut: after the header, or after the record that makes a chunk big enough. */
interface CutPoint {
  readonly at: number;
  readonly rows: number;
  readonly nextLine: number;
  readonly header: boolean;
}

/**
 * Cuts a CSV upload into chunks on record boundaries while it streams in, holding at most one
 * chunk (plus one record and one incoming piece) in memory. Checks the encoding (UTF-8, BOM
 * allowed) and the header; file-level problems are AppErrors with a 4xx status.
 */
export async function* cutChunks(source: AsyncIterable<Uint8Array>, options: ChunkOptions): AsyncGenerator<ChunkEvent> {
  const maxRecord = options.maxRecordBytes ?? 1_048_576;
  const state = newScanState();
  const cut: Cutter = { parts: [], length: 0, consumed: 0, rows: 0, chunkNo: 0, firstRow: 1, firstLine: 2 };
  let bytes = 0;
  let received = 0;
  let headerSeen = false;
  let lastCut = 0;
  for await (const piece of source) {
    let buf = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (bytes === 0) buf = checkStart(buf);
    bytes += piece.byteLength;
    if (bytes > options.maxBytes) throw tooLarge(options.maxBytes);
    const base = received;
    const points: CutPoint[] = [];
    scanRecords(buf, state, (end, _line, empty, nextLine) => {
      if (empty) return;
      const at = base + end;
      if (!headerSeen) {
        headerSeen = true;
        lastCut = at;
        points.push({ at, rows: 0, nextLine, header: true });
        return;
      }
      cut.rows++;
      if (at - lastCut >= options.chunkBytes) {
        lastCut = at;
        points.push({ at, rows: cut.rows, nextLine, header: false });
      }
    });
    received += buf.length;
    cut.parts.push(buf);
    cut.length += buf.length;
    for (const point of points) {
      const data = take(cut, point.at - cut.consumed);
      if (point.header) yield { kind: "header", columns: readHeader(data, options.mapHeader) };
      else yield { kind: "chunk", chunk: makeChunk(cut, data, point.rows - cut.firstRow + 1) };
      cut.firstRow = point.rows + 1;
      cut.firstLine = point.nextLine;
    }
    if (cut.length > options.chunkBytes + maxRecord) throw unclosed(state.recordLine, state.inQuotes, maxRecord);
  }
  if (!headerSeen) {
    if (!state.hasContent) throw new AppError("IMPORT_EMPTY", "the file is empty", { status: 422 });
    yield { kind: "header", columns: readHeader(take(cut, cut.length), options.mapHeader) };
    throw noRows();
  }
  if (state.hasContent) cut.rows++;
  if (cut.rows === 0) throw noRows();
  if (cut.rows >= cut.firstRow) {
    yield { kind: "chunk", chunk: makeChunk(cut, take(cut, cut.length), cut.rows - cut.firstRow + 1) };
  }
  yield { kind: "end", rows: cut.rows, bytes };
}

/** Removes and returns the first `n` pending bytes. */
function take(cut: Cutter, n: number): Buffer {
  const all = cut.parts.length === 1 ? (cut.parts[0] ?? Buffer.alloc(0)) : Buffer.concat(cut.parts, cut.length);
  const rest = all.subarray(n);
  cut.parts = rest.length > 0 ? [rest] : [];
  cut.length = rest.length;
  cut.consumed += n;
  return all.subarray(0, n);
}

function makeChunk(cut: Cutter, data: Buffer, rows: number): CsvChunk {
  checkUtf8(data, cut.firstLine);
  // A copy, so the chunk does not pin the (larger) buffer it was cut from.
  return { no: cut.chunkNo++, data: Buffer.from(data), firstRow: cut.firstRow, firstLine: cut.firstLine, rows };
}

/** Refuses UTF-16 and strips a UTF-8 byte-order mark. */
function checkStart(buf: Buffer): Buffer {
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    throw notUtf8("the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8", 1);
  }
  if (buf.subarray(0, 64).includes(0)) {
    throw notUtf8("the file starts with NUL bytes: it looks like UTF-16; save it as UTF-8", 1);
  }
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3);
  return buf;
}

function readHeader(bytes: Buffer, mapHeader?: ChunkOptions["mapHeader"]): ImportColumn[] {
  if (bytes.includes(0)) throw notUtf8("the header contains NUL bytes: the file looks like UTF-16; save it as UTF-8", 1);
  checkUtf8(bytes, 1);
  let cells: string[];
  try {
    const records = parse(bytes, { relax_column_count: true, record_delimiter: ["\r\n", "\n"] });
    cells = records[0] ?? [];
  } catch (error) {
    throw new AppError("IMPORT_HEADER_INVALID", "the header row is not valid CSV", { status: 422, cause: error });
  }
  return checkHeader(mapHeader ? mapHeader(cells) : cells);
}

/** Names the first line that is not UTF-8; a chunk always starts and ends on a record boundary. */
function checkUtf8(data: Buffer, firstLine: number): void {
  if (isUtf8(data)) return;
  for (const span of recordSpans(data, firstLine)) {
    if (!isUtf8(data.subarray(span.start, span.end))) {
      throw notUtf8(`the file is not UTF-8: the record starting on line ${span.line} has invalid bytes`, span.line);
    }
  }
  throw notUtf8(`the file is not UTF-8 (near line ${firstLine})`, firstLine);
}

function notUtf8(message: string, line: number): AppError {
  return new AppError("IMPORT_NOT_UTF8", message, { status: 422, details: { line } });
}

function noRows(): AppError {
  return new AppError("IMPORT_NO_ROWS", "the file has a header but no rows", { status: 422 });
}

function tooLarge(maxBytes: number): AppError {
  return new AppError("IMPORT_TOO_LARGE", `the upload exceeds the limit of ${maxBytes} bytes`, {
    status: 413,
    details: { maxBytes },
  });
}

function unclosed(line: number, inQuotes: boolean, maxRecord: number): AppError {
  const message = inQuotes
    ? `the quoted field of the record starting on line ${line} is never closed`
    : `the record starting on line ${line} is longer than ${maxRecord} bytes`;
  return new AppError("IMPORT_MALFORMED_CSV", message, { status: 422, details: { line } });
}
