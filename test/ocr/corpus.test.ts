import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OcrLimits } from "../../services/ocr/config.ts";
import { createLocalEngine } from "../../services/ocr/engines/index.ts";
import type { OcrEngine } from "../../services/ocr/engines/index.ts";
import { buildCorpus } from "./corpus/generate.ts";
import type { CorpusDocument } from "./corpus/generate.ts";
import { renderDocument } from "./corpus/render.ts";
import { accuracy, scoreDocument, TARGETS, verifiedWithWrongDate } from "./corpus/score.ts";
import type { DocumentScore } from "./corpus/score.ts";

// The text-layer part of the evaluation corpus runs here in seconds; the image part (tesseract,
// minutes on two cores) runs in `npm run eval:ocr`, which fails when a target is missed.
const limits: OcrLimits = {
  maxFileBytes: 10 * 1024 * 1024,
  maxPages: 5,
  maxPixels: 40_000_000,
  maxInflatedBytes: 64 * 1024 * 1024,
  timeoutMs: 120_000,
  workerMemoryMb: 1024,
};
const corpus = buildCorpus();

async function read(engine: OcrEngine, doc: CorpusDocument): Promise<DocumentScore> {
  const { bytes, contentType } = await renderDocument(doc);
  return scoreDocument(doc.truth, await engine.analyze({ bytes, contentType }, { signal: new AbortController().signal }));
}

describe("evaluation corpus", () => {
  let engine: OcrEngine;
  beforeAll(() => {
    engine = createLocalEngine({ limits, dateOrder: "dmy" });
  });
  afterAll(() => engine.close());

  it("is what the committed truth says: 48 invoices, 7 languages, 4 formats", () => {
    const truth: unknown = JSON.parse(readFileSync(new URL("./corpus/truth.json", import.meta.url), "utf8"));
    expect(corpus.map((d) => d.truth)).toEqual(truth);
    expect(new Set(corpus.map((d) => d.truth.language)).size).toBe(7);
    expect(new Set(corpus.map((d) => d.truth.format))).toEqual(new Set(["pdf", "png", "jpeg", "scan-pdf"]));
    expect(new Set(corpus.map((d) => d.truth.verdict))).toEqual(new Set(["verified", "mismatch", "unreadable"]));
  });

  it("reads the text-layer invoices at or above the accuracy targets, and verifies none with a wrong date", async () => {
    const scores: DocumentScore[] = [];
    for (const doc of corpus.filter((d) => d.truth.format === "pdf")) scores.push(await read(engine, doc));
    const acc = accuracy(scores);
    for (const [field, target] of Object.entries(TARGETS)) expect({ field, accuracy: acc[field as keyof typeof acc] >= target }).toEqual({ field, accuracy: true });
    // The text layer is exact: anything below full marks on these fields is a parser regression.
    expect([acc.date, acc.total, acc.currency, acc.vendor]).toEqual([1, 1, 1, 1]);
    expect(acc.items).toBeGreaterThanOrEqual(0.9);
    expect(verifiedWithWrongDate(scores)).toEqual([]);
    expect(scores.filter((s) => s.verdict !== s.truth.verdict).map((s) => s.truth.id)).toEqual([]);
  });

  it("reads a rotated, speckled JPEG scan through the same field logic", async () => {
    // One of the four speckled JPEGs (rotated −2.6°); the eval holds the floor over all sixteen images.
    const doc = corpus.find((d) => d.truth.id === "38-es-banner-jpeg")!;
    expect(doc.truth.scan).toEqual({ angle: -2.6, noise: true });
    const score = await read(engine, doc);
    expect({ id: doc.truth.id, date: score.correct.date, total: score.correct.total, currency: score.correct.currency }).toEqual({
      id: doc.truth.id, date: true, total: true, currency: true,
    });
    expect(score.verdict).toBe(doc.truth.verdict);
  });
});
