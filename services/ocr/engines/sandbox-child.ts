// Entry point of the sandbox process: every parser of untrusted bytes runs here, so a crash,
// a runaway allocation or an endless loop costs this process, never the worker service.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createWorker, OEM } from "tesseract.js";
import type { Worker as TesseractWorker } from "tesseract.js";
import { getDocumentProxy, renderPageAsImage } from "unpdf";
import { describeError } from "../../../lib/errors/index.ts";
import type { TextLine } from "../extract/index.ts";
import { badFile, OCR_ERROR_CODES } from "./errors.ts";
import { buildLines } from "./layout.ts";
import type { PlacedText } from "./layout.ts";
import { guardPdf } from "./pdf-guard.ts";
import { preprocessImage } from "./preprocess.ts";
import type { ImagePreprocessing } from "./preprocess.ts";
import type { SandboxRequest, SandboxResponse, SandboxText } from "./sandbox-protocol.ts";

/** Pages with fewer visible characters than this are treated as scanned and OCR'd. */
const MIN_TEXT_CHARS = 20;
/** Render scale for scanned pages: 72 dpi × 3 ≈ 216 dpi, enough for tesseract on body text. */
const RENDER_SCALE = 3;

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

function engPath(): string {
  const require = createRequire(import.meta.url);
  // The LSTM-only model, the one tesseract.js itself would download for OEM.LSTM_ONLY.
  return join(dirname(require.resolve("@tesseract.js-data/eng/package.json")), "4.0.0_best_int");
}

let tesseract: Promise<TesseractWorker> | undefined;

function ocrWorker(): Promise<TesseractWorker> {
  // A local langPath with cacheMethod "none": the model is read from the npm package and
  // nothing is fetched from the network or written to a cache directory.
  tesseract ??= createWorker("eng", OEM.LSTM_ONLY, { langPath: engPath(), cacheMethod: "none", gzip: true });
  return tesseract;
}

async function ocrImage(image: Uint8Array, preprocess: ImagePreprocessing): Promise<TextLine[]> {
  const worker = await ocrWorker();
  const cleaned = await preprocessImage(image, preprocess);
  const { data } = await worker.recognize(Buffer.from(cleaned), {}, { blocks: true, text: false });
  const words: PlacedText[] = [];
  for (const block of data.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        for (const w of line.words) {
          const { x0, x1, y0, y1 } = w.bbox;
          words.push({ text: w.text, left: x0, right: x1, top: y0, height: y1 - y0, confidence: w.confidence / 100 });
        }
      }
    }
  }
  return buildLines(words);
}

async function openPdf(bytes: Uint8Array): Promise<PdfDocument> {
  try {
    return await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, stopAtErrors: false });
  } catch (error) {
    if ((error as { name?: string }).name === "PasswordException") {
      throw badFile(OCR_ERROR_CODES.encryptedPdf, "PDF is encrypted with a password");
    }
    throw badFile(OCR_ERROR_CODES.corruptFile, `PDF cannot be parsed: ${(error as Error).message}`);
  }
}

async function pageText(pdf: PdfDocument, pageNumber: number): Promise<TextLine[]> {
  const page = await pdf.getPage(pageNumber);
  const content = await page.getTextContent();
  const items: PlacedText[] = [];
  for (const item of content.items) {
    if (!("str" in item)) continue;
    const size = Math.hypot(item.transform[2] as number, item.transform[3] as number) || item.height;
    const top = -(item.transform[5] as number) - size;
    items.push({ text: item.str, left: item.transform[4] as number, right: (item.transform[4] as number) + item.width, top, height: size, confidence: undefined });
  }
  return buildLines(items);
}

async function renderPage(pdf: PdfDocument, pageNumber: number, maxPixels: number): Promise<Uint8Array> {
  const page = await pdf.getPage(pageNumber);
  const { width, height } = page.getViewport({ scale: 1 });
  // Never render more pixels than an uploaded image may have.
  const scale = Math.min(RENDER_SCALE, Math.sqrt(maxPixels / Math.max(1, width * height)));
  try {
    await import("@napi-rs/canvas");
  } catch (error) {
    throw badFile(OCR_ERROR_CODES.scannedPdfUnsupported, `rendering scanned PDFs needs @napi-rs/canvas: ${(error as Error).message}`);
  }
  const png = await renderPageAsImage(pdf, pageNumber, { canvasImport: () => import("@napi-rs/canvas"), scale });
  return new Uint8Array(png);
}

async function readPdf(request: SandboxRequest): Promise<SandboxText> {
  guardPdf(request.bytes, request.limits);
  const pdf = await openPdf(request.bytes);
  try {
    if (pdf.numPages > request.limits.maxPages) {
      throw badFile(OCR_ERROR_CODES.tooManyPages, `PDF has ${pdf.numPages} pages, the limit is ${request.limits.maxPages}`);
    }
    const lines: TextLine[] = [];
    for (let n = 1; n <= pdf.numPages; n += 1) lines.push(...(await pageText(pdf, n)));
    if (lines.map((l) => l.text.replace(/\s/g, "")).join("").length >= MIN_TEXT_CHARS) {
      return { source: "pdf-text", pageCount: pdf.numPages, lines };
    }
    const scanned: TextLine[] = [];
    for (let n = 1; n <= pdf.numPages; n += 1) {
      scanned.push(...(await ocrImage(await renderPage(pdf, n, request.limits.maxPixels), request.preprocess)));
    }
    return { source: "ocr", pageCount: pdf.numPages, lines: scanned };
  } finally {
    await pdf.destroy();
  }
}

async function handle(request: SandboxRequest): Promise<SandboxResponse> {
  try {
    const result = request.kind === "pdf" ? await readPdf(request) : { source: "ocr" as const, pageCount: 1, lines: await ocrImage(request.bytes, request.preprocess) };
    return { id: request.id, ok: true, result };
  } catch (error) {
    const { code, message, retryable } = describeError(error);
    // Anything a parser throws that is not ours means the file defeated it.
    return code === "UNEXPECTED"
      ? { id: request.id, ok: false, error: { code: OCR_ERROR_CODES.corruptFile, message, retryable: false } }
      : { id: request.id, ok: false, error: { code, message, retryable } };
  }
}

process.on("message", (request: SandboxRequest) => {
  void handle(request).then((response) => process.send?.(response));
});
process.on("disconnect", () => process.exit(0));
