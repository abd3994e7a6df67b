import { buildCorpus } from "../test/ocr/corpus/generate.ts";
import { renderDocument } from "../test/ocr/corpus/render.ts";
import { createLocalEngine } from "../services/ocr/engines/index.ts";
const ids = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const preprocess = { deskew: process.argv.includes("-d"), binarise: process.argv.includes("-b") };
const engine = createLocalEngine({ limits: { maxFileBytes: 1e7, maxPages: 5, maxPixels: 4e7, maxInflatedBytes: 2e8, timeoutMs: 120000, workerMemoryMb: 1024 }, dateOrder: "dmy", preprocess });
for (const doc of buildCorpus().filter((d) => ids.some((i) => d.truth.id.startsWith(i)))) {
  const up = await renderDocument(doc);
  const r = await engine.analyze({ bytes: up.bytes, contentType: up.contentType }, { signal: new AbortController().signal });
  console.log(doc.truth.id, JSON.stringify({ date: r.invoiceDate, v: r.vendorName?.value, t: r.total?.value, c: r.currency?.value, items: r.lineItems, lang: r.language }));
  console.log(r.text);
}
await engine.close();
