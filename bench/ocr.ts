// OCR throughput: median milliseconds per text-layer PDF page (target < 200 ms) and per image
// page (target < 3 s) through the local engine, each job alone, so one core does the work.
// Baselines measured in the same run: pdf.js text extraction and tesseract recognition called
// directly in this process; the ratio is what the sandbox, layout and parsing add.
// Run: npm run bench:ocr (not part of npm test).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createWorker, OEM } from "tesseract.js";
import { extractText, getDocumentProxy } from "unpdf";
import { envReader } from "../lib/config/index.ts";
import { readOcrConfig } from "../services/ocr/config.ts";
import { createLocalEngine } from "../services/ocr/engines/index.ts";
import { IMAGE_INVOICE, imageOf, TEXT_INVOICES, textPdf } from "../test/support/invoices.ts";

const PDF_ROUNDS = 10;
const IMAGE_ROUNDS = 5;

function median(values: readonly number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timePerPage(rounds: number, docs: readonly { bytes: Uint8Array; pages: number }[], run: (bytes: Uint8Array) => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const doc of docs) {
      const start = performance.now();
      await run(doc.bytes);
      samples.push((performance.now() - start) / doc.pages);
    }
  }
  return median(samples);
}

const env = envReader(process.env);
const config = readOcrConfig(env);
env.done();
const engine = createLocalEngine({ limits: config.limits, dateOrder: config.dateOrder });
const signal = new AbortController().signal;
const pdfs = await Promise.all(TEXT_INVOICES.map(async (f) => ({ bytes: await textPdf(f), pages: f.pages.length })));
const png = { bytes: await imageOf(IMAGE_INVOICE, "png"), pages: 1 };

const require = createRequire(import.meta.url);
const tesseract = await createWorker("eng", OEM.LSTM_ONLY, {
  langPath: join(dirname(require.resolve("@tesseract.js-data/eng/package.json")), "4.0.0_best_int"),
  cacheMethod: "none",
});
try {
  // Warm-up: start the sandbox and load the OCR model once before measuring.
  await engine.analyze({ bytes: png.bytes, contentType: "image/png" }, { signal });
  await tesseract.recognize(Buffer.from(png.bytes));

  const pdfBaseline = await timePerPage(PDF_ROUNDS, pdfs, async (bytes) => extractText(await getDocumentProxy(new Uint8Array(bytes))));
  const pdfEngine = await timePerPage(PDF_ROUNDS, pdfs, (bytes) => engine.analyze({ bytes, contentType: "application/pdf" }, { signal }));
  const imageBaseline = await timePerPage(IMAGE_ROUNDS, [png], (bytes) => tesseract.recognize(Buffer.from(bytes)));
  const imageEngine = await timePerPage(IMAGE_ROUNDS, [png], (bytes) => engine.analyze({ bytes, contentType: "image/png" }, { signal }));

  const line = (label: string, ms: number, baseline: number, target: number) =>
    `${label.padEnd(22)} ${ms.toFixed(1).padStart(8)} ms/page  baseline ${baseline.toFixed(1).padStart(8)} ms  ratio ${(ms / baseline).toFixed(2)}  target < ${target} ms ${ms < target ? "OK" : "MISSED"}`;
  console.log(line("text-layer PDF page", pdfEngine, pdfBaseline, 200));
  console.log(line("image page (OCR)", imageEngine, imageBaseline, 3000));
} finally {
  await tesseract.terminate();
  await engine.close();
}
