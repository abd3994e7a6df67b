import { inflateSync } from "node:zlib";
import { badFile, OCR_ERROR_CODES } from "./errors.ts";

/** Limits {@link guardPdf} enforces. */
export interface PdfGuardLimits {
  readonly maxPixels: number;
  readonly maxInflatedBytes: number;
}

const STREAM_START = /(?<!end)stream\r?\n/g;
const IMAGE_DICT = /\/Subtype\s*\/Image\b/g;
/** How far back from `/Subtype /Image` the image dictionary may start. */
const DICT_WINDOW = 2048;

/**
 * Scans a PDF before the parser touches it. Every Flate stream is inflated with an output cap,
 * and the total across the file must stay under `maxInflatedBytes`: a decompression bomb is
 * refused here instead of exhausting memory inside the parser. Image XObjects announcing more
 * than `maxPixels` are refused, as their decoded buffer would be allocated from that size.
 */
export function guardPdf(bytes: Uint8Array, limits: PdfGuardLimits): void {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  checkImages(text, limits.maxPixels);
  let budget = limits.maxInflatedBytes;
  for (const m of text.matchAll(STREAM_START)) {
    const dict = text.slice(Math.max(text.lastIndexOf("obj", m.index), m.index - DICT_WINDOW), m.index);
    if (!/\/FlateDecode\b/.test(dict)) continue;
    const start = m.index + m[0].length;
    const end = text.indexOf("endstream", start);
    if (end < 0) break;
    budget -= inflatedSize(bytes.subarray(start, end), budget);
  }
}

function inflatedSize(data: Uint8Array, budget: number): number {
  try {
    return inflateSync(data, { maxOutputLength: Math.max(budget, 1), finishFlush: 2 /* Z_SYNC_FLUSH: tolerate truncation */ }).byteLength;
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw badFile(OCR_ERROR_CODES.decompressionBomb, "compressed PDF streams inflate beyond the limit");
    }
    // A damaged stream is the parser's problem: it skips or reports it.
    return 0;
  }
}

function checkImages(text: string, maxPixels: number): void {
  for (const m of text.matchAll(IMAGE_DICT)) {
    const start = Math.max(text.lastIndexOf("obj", m.index), m.index - DICT_WINDOW);
    const end = text.indexOf("stream", m.index);
    const dict = text.slice(start, end < 0 ? m.index + DICT_WINDOW : Math.min(end, m.index + DICT_WINDOW));
    const width = Number(/\/Width\s+(\d+)/.exec(dict)?.[1] ?? 0);
    const height = Number(/\/Height\s+(\d+)/.exec(dict)?.[1] ?? 0);
    if (width * height > maxPixels) {
      throw badFile(OCR_ERROR_CODES.imageTooLarge, `PDF image is ${width}×${height} pixels, the limit is ${maxPixels}`, { width, height });
    }
  }
}
