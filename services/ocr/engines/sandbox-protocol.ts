import type { TextLine } from "../extract/index.ts";
import type { ImagePreprocessing } from "./preprocess.ts";

/** A job for the sandbox process. */
export interface SandboxRequest {
  readonly id: number;
  readonly kind: "pdf" | "png" | "jpeg";
  readonly bytes: Uint8Array;
  readonly limits: {
    readonly maxPages: number;
    readonly maxPixels: number;
    readonly maxInflatedBytes: number;
  };
  /** Clean-up of images and scanned pages before OCR. */
  readonly preprocess: ImagePreprocessing;
}

/** What the sandbox read: lines in reading order per document. */
export interface SandboxText {
  readonly source: "pdf-text" | "ocr";
  readonly pageCount: number;
  readonly lines: readonly TextLine[];
}

/** The sandbox's answer to one {@link SandboxRequest}. */
export type SandboxResponse =
  | { readonly id: number; readonly ok: true; readonly result: SandboxText }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly code: string; readonly message: string; readonly retryable: boolean };
    };
