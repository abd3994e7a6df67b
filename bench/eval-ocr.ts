// Invoice-reading accuracy on the evaluation corpus (test/ocr/corpus): per-field accuracy of the
// local engine (date, number, vendor, total, currency, items) overall, by format and by language,
// the confusion of verification verdicts against the truth, and the same fields read through the
// Azure engine where the Document Intelligence double answers. Exits 1 when a target is missed.
// Run: npm run eval:ocr [-- --pdf-only | --images-only] [--ablation] [--failures] [--write-truth]
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { envReader } from "../lib/config/index.ts";
import { isAppError } from "../lib/errors/index.ts";
import { readOcrConfig } from "../services/ocr/config.ts";
import { createAzureEngine, createLocalEngine } from "../services/ocr/engines/index.ts";
import type { ImagePreprocessing, OcrEngine } from "../services/ocr/engines/index.ts";
import { prebuiltInvoiceResult, startDocumentIntelligenceDouble } from "../test/support/document-intelligence-double.ts";
import { buildCorpus } from "../test/ocr/corpus/generate.ts";
import type { CorpusDocument } from "../test/ocr/corpus/generate.ts";
import { renderDocument } from "../test/ocr/corpus/render.ts";
import { accuracy, accuracyLine, confusionLines, FIELDS, scoreDocument, TARGETS, verifiedWithWrongDate } from "../test/ocr/corpus/score.ts";
import type { DocumentScore } from "../test/ocr/corpus/score.ts";

const TRUTH_PATH = new URL("../test/ocr/corpus/truth.json", import.meta.url);
const args = new Set(process.argv.slice(2));
const corpus = buildCorpus();

if (args.has("--write-truth")) {
  writeFileSync(TRUTH_PATH, `${JSON.stringify(corpus.map((d) => d.truth), null, 1)}\n`);
  console.log(`wrote ${corpus.length} truths to ${TRUTH_PATH.pathname}`);
  process.exit(0);
}
if (JSON.stringify(JSON.parse(readFileSync(TRUTH_PATH, "utf8"))) !== JSON.stringify(corpus.map((d) => d.truth))) {
  console.error("test/ocr/corpus/truth.json no longer matches the generator: review the change, then run with --write-truth");
  process.exit(1);
}

const selected = corpus.filter((d) => (args.has("--pdf-only") ? d.truth.format === "pdf" : args.has("--images-only") ? d.truth.format !== "pdf" : true));
const env = envReader(process.env);
const config = readOcrConfig(env);
env.done();
const signal = new AbortController().signal;
const uploads = await Promise.all(selected.map(async (doc) => ({ doc, ...(await renderDocument(doc)) })));

let retried = 0;

/** Reads every document once; a retryable failure is retried once, as the worker's queue would. */
async function run(engine: OcrEngine, docs: typeof uploads): Promise<DocumentScore[]> {
  const scores: DocumentScore[] = [];
  const analyze = async (bytes: Uint8Array, contentType: string) => {
    try {
      return await engine.analyze({ bytes, contentType }, { signal });
    } catch (error) {
      if (!isAppError(error) || !error.retryable) throw error;
      retried += 1;
      return engine.analyze({ bytes, contentType }, { signal });
    }
  };
  try {
    for (const { doc, bytes, contentType } of docs) scores.push(scoreDocument(doc.truth, await analyze(bytes, contentType)));
  } finally {
    await engine.close();
  }
  return scores;
}

const started = performance.now();
const local = await run(createLocalEngine({ limits: config.limits, dateOrder: config.dateOrder }), uploads);
const seconds = (performance.now() - started) / 1000;

const languages = [...new Set(selected.map((d) => d.truth.locale))];
const formats = [...new Set(selected.map((d) => d.truth.format))];
console.log(`corpus: ${selected.length} invoices, ${new Set(selected.map((d) => d.truth.language)).size} languages (${languages.join(", ")}), formats ${formats.map((f) => `${f} ${selected.filter((d) => d.truth.format === f).length}`).join(", ")}`);
console.log(`\nlocal engine (${seconds.toFixed(0)} s, ${retried} retried after a transient engine failure)`);
console.log(accuracyLine("all", local));
for (const f of formats) console.log(accuracyLine(`  ${f}`, local.filter((s) => s.truth.format === f)));
for (const l of languages) console.log(accuracyLine(`  ${l}`, local.filter((s) => s.truth.locale === l)));
console.log("\nverdicts (tolerance 7 days)");
for (const line of confusionLines(local)) console.log(`  ${line}`);
const wrongVerified = verifiedWithWrongDate(local);
console.log(`  verified with a wrong date: ${wrongVerified.length}`);

if (args.has("--failures")) {
  console.log("\nmisses");
  for (const s of local) {
    const missed = FIELDS.filter((f) => !s.correct[f]);
    if (missed.length > 0) console.log(`  ${s.truth.id} ${s.truth.dateStyle}: ${missed.map((f) => `${f}=${s.read[f]}`).join("  ")}`);
  }
}

if (args.has("--ablation")) await ablation(uploads.filter((u) => u.doc.truth.format !== "pdf"));

await compareAzure(selected, local);

const acc = accuracy(local);
console.log("\ntargets");
let missed = wrongVerified.length > 0;
for (const [field, target] of Object.entries(TARGETS)) {
  const value = acc[field as keyof typeof acc];
  const ok = value >= target;
  missed ||= !ok;
  console.log(`  ${field.padEnd(9)} ${(value * 100).toFixed(1).padStart(5)}%  target ≥ ${(target * 100).toFixed(0)}%  ${ok ? "OK" : "MISSED"}`);
}
console.log(`  verified with a wrong date: ${wrongVerified.length}  target 0  ${wrongVerified.length === 0 ? "OK" : "MISSED"}`);
process.exitCode = missed ? 1 : 0;

/** Image documents read with deskew, binarisation and despeckling switched on and off. */
async function ablation(images: typeof uploads): Promise<void> {
  console.log(`\nimage preprocessing on the ${images.length} image documents`);
  const variants: readonly ImagePreprocessing[] = [
    { deskew: false, binarise: false, despeckle: false },
    { deskew: true, binarise: false, despeckle: false },
    { deskew: true, binarise: true, despeckle: false },
    { deskew: true, binarise: false, despeckle: true },
    { deskew: true, binarise: true, despeckle: true },
  ];
  for (const preprocess of variants) {
    const scores = await run(createLocalEngine({ limits: config.limits, dateOrder: config.dateOrder, preprocess }), images);
    const on = (flag: boolean) => (flag ? "on " : "off");
    console.log(accuracyLine(`  deskew ${on(preprocess.deskew)} binarise ${on(preprocess.binarise)} despeckle ${on(preprocess.despeckle)}`, scores));
  }
}

/**
 * The Azure engine against the Document Intelligence double. The double cannot read pixels: it
 * answers each document with the prebuilt-invoice fields the service reports for it (VendorName,
 * InvoiceId, InvoiceTotal with symbol or code, Items), taken from the truth, and with InvoiceDate
 * as the printed text, normalised by the service except for the loose spellings, which it leaves
 * to our parser. So this measures the mapping of the service's answer, not recognition.
 */
async function compareAzure(docs: readonly CorpusDocument[], localScores: readonly DocumentScore[]): Promise<void> {
  const key = "eval-key";
  const byHash = new Map(uploads.map((u) => [createHash("sha256").update(u.bytes).digest("hex"), u.doc]));
  const double = await startDocumentIntelligenceDouble({
    key,
    analyze: (document) => {
      const doc = byHash.get(createHash("sha256").update(document).digest("hex"));
      if (!doc) throw new Error("the double was sent a document outside the corpus");
      return azureAnswer(doc);
    },
  });
  try {
    const engine = createAzureEngine({
      azure: { endpoint: double.endpoint, key, pollIntervalMs: 5, allowInsecureConnection: true },
      limits: config.limits,
      dateOrder: config.dateOrder,
    });
    const azure = await run(engine, uploads.filter((u) => docs.includes(u.doc)));
    console.log("\nengines compared (Azure through the Document Intelligence double; fields from the truth as the service reports them)");
    // The double's items carry no unit prices, so items are not compared.
    const compared = FIELDS.filter((f) => f !== "items");
    console.log(accuracyLine("  local", localScores, compared));
    console.log(accuracyLine("  azure", azure, compared));
    const mean = (xs: readonly (number | undefined)[]) => xs.filter((x) => x !== undefined).reduce((a, b, _, all) => a + b / all.length, 0);
    console.log(`  azure verdicts: ${confusionLines(azure).slice(1).map((l) => l.trim().replace(/\s+/g, " ")).join(" | ")}`);
    console.log(`  azure mean confidence: date ${mean(azure.map((s) => s.confidence.date)).toFixed(2)}, total ${mean(azure.map((s) => s.confidence.total)).toFixed(2)}, vendor ${mean(azure.map((s) => s.confidence.vendor)).toFixed(2)}`);
  } finally {
    await double.close();
  }
}

function azureAnswer(doc: CorpusDocument): Record<string, unknown> {
  const { truth, content } = doc;
  const text = doc.cells.toSorted((a, b) => a.y - b.y || a.x - b.x).map((c) => c.text).join("\n");
  const symbol = content.total.includes("$") ? "$" : content.total.includes("£") ? "£" : content.total.includes("€") ? "€" : undefined;
  return prebuiltInvoiceResult({
    content: text,
    vendorName: truth.vendor,
    invoiceId: truth.invoiceId,
    ...(truth.invoiceDate && content.date ? { invoiceDate: [truth.dateStyle === "loose" ? undefined : truth.invoiceDate, content.date] as const } : {}),
    total: { amount: truth.total, content: content.total, ...(symbol ? { symbol } : { code: truth.currency }) },
    items: truth.lineItems.map((i) => ({ description: i.description, quantity: i.quantity ?? 1, amount: i.amount })),
  });
}
