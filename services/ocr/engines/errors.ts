import { AppError } from "../../../lib/errors/index.ts";

/** Stable codes of the OCR engines' errors. */
export const OCR_ERROR_CODES = {
  fileTooLarge: "OCR_FILE_TOO_LARGE",
  unsupportedType: "OCR_UNSUPPORTED_TYPE",
  corruptFile: "OCR_CORRUPT_FILE",
  encryptedPdf: "OCR_ENCRYPTED_PDF",
  tooManyPages: "OCR_TOO_MANY_PAGES",
  imageTooLarge: "OCR_IMAGE_TOO_LARGE",
  decompressionBomb: "OCR_DECOMPRESSION_BOMB",
  scannedPdfUnsupported: "OCR_SCANNED_PDF_UNSUPPORTED",
  timeout: "OCR_TIMEOUT",
  aborted: "OCR_ABORTED",
  engineCrashed: "OCR_ENGINE_CRASHED",
  engineUnavailable: "OCR_ENGINE_UNAVAILABLE",
  engineAuth: "OCR_ENGINE_AUTH",
  engineRejected: "OCR_ENGINE_REJECTED",
} as const;
export type OcrErrorCode = (typeof OCR_ERROR_CODES)[keyof typeof OCR_ERROR_CODES];

/** A file that can never be read: retrying cannot help, the message goes to the dead letters. */
export function badFile(code: OcrErrorCode, message: string, details?: Record<string, unknown>): AppError {
  return new AppError(code, message, { retryable: false, status: 422, ...(details ? { details } : {}) });
}

/** The engine failed for a reason that may pass (overload, network, a crashed worker). */
export function transient(code: OcrErrorCode, message: string, cause?: unknown): AppError {
  return new AppError(code, message, { retryable: true, status: 503, cause });
}
