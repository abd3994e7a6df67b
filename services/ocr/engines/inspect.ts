import { badFile, OCR_ERROR_CODES } from "./errors.ts";

/** What the magic bytes say a file is; images carry the dimensions from their header. */
export type Inspected =
  | { readonly kind: "pdf" }
  | { readonly kind: "png" | "jpeg"; readonly width: number; readonly height: number };

/** Limits checked before any decoder sees the bytes. */
export interface InspectLimits {
  readonly maxFileBytes: number;
  readonly maxPixels: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic); not DHT/JPG/DAC. */
const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/**
 * Identifies the file by its magic bytes and rejects what no engine should decode: files over
 * the size limit, unknown types, and images whose header announces more than `maxPixels`
 * (the decompression-bomb case: a few kilobytes that decode to gigabytes).
 */
export function inspectDocument(bytes: Uint8Array, limits: InspectLimits): Inspected {
  if (bytes.byteLength > limits.maxFileBytes) {
    throw badFile(OCR_ERROR_CODES.fileTooLarge, `file is ${bytes.byteLength} bytes, the limit is ${limits.maxFileBytes}`);
  }
  if (bytes.byteLength === 0) throw badFile(OCR_ERROR_CODES.corruptFile, "file is empty");
  const header = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).toString("latin1");
  if (header.includes("%PDF-")) return { kind: "pdf" };
  const image = PNG_SIGNATURE.every((b, i) => bytes[i] === b) ? pngSize(bytes) : isJpeg(bytes) ? jpegSize(bytes) : undefined;
  if (image === undefined) throw badFile(OCR_ERROR_CODES.unsupportedType, "file is neither a PDF, a PNG nor a JPEG");
  const { width, height } = image;
  if (width === 0 || height === 0) throw badFile(OCR_ERROR_CODES.corruptFile, "image header gives a zero dimension");
  if (width * height > limits.maxPixels) {
    throw badFile(OCR_ERROR_CODES.imageTooLarge, `image is ${width}×${height} pixels, the limit is ${limits.maxPixels}`, { width, height });
  }
  return { kind: image.kind, width, height };
}

function isJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function pngSize(bytes: Uint8Array): { kind: "png"; width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 24 || Buffer.from(bytes.subarray(12, 16)).toString("latin1") !== "IHDR") {
    throw badFile(OCR_ERROR_CODES.corruptFile, "PNG has no IHDR header");
  }
  return { kind: "png", width: view.getUint32(16), height: view.getUint32(20) };
}

function jpegSize(bytes: Uint8Array): { kind: "jpeg"; width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 2;
  while (offset + 4 <= bytes.byteLength) {
    if (bytes[offset] !== 0xff) throw badFile(OCR_ERROR_CODES.corruptFile, "JPEG segment marker expected");
    const marker = bytes[offset + 1]!;
    // Fill bytes and markers without a length field.
    if (marker === 0xff) { offset += 1; continue; }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { offset += 2; continue; }
    if (marker === 0xda || marker === 0xd9) break;
    const length = view.getUint16(offset + 2);
    if (SOF_MARKERS.has(marker)) {
      if (offset + 9 > bytes.byteLength) break;
      return { kind: "jpeg", height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
    }
    if (length < 2) break;
    offset += 2 + length;
  }
  throw badFile(OCR_ERROR_CODES.corruptFile, "JPEG has no frame header");
}
