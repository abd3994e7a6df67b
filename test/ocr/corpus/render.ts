// Turns a corpus document into the bytes a consumer would upload: a text PDF (pdf-lib standard
// fonts), a PNG or JPEG page (@napi-rs/canvas, DejaVu fonts), optionally rotated and speckled
// like a scan, or such a scan wrapped in a PDF without a text layer.
import { createCanvas } from "@napi-rs/canvas";
import type { Canvas } from "@napi-rs/canvas";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { seeded } from "./generate.ts";
import type { CorpusDocument, Font } from "./generate.ts";

const PAGE = { width: 595, height: 842 } as const;
/** Pixels per point of rendered pages: 144 dpi, a common phone-scan resolution. */
const SCALE = 2;
const PDF_FONTS: Readonly<Record<Font, StandardFonts>> = { sans: StandardFonts.Helvetica, serif: StandardFonts.TimesRoman, mono: StandardFonts.Courier };
const CANVAS_FONTS: Readonly<Record<Font, string>> = { sans: "DejaVu Sans", serif: "DejaVu Serif", mono: "DejaVu Sans Mono" };

/** The upload for `doc` in its corpus format. */
export async function renderDocument(doc: CorpusDocument): Promise<{ bytes: Uint8Array; contentType: string }> {
  const { format } = doc.truth;
  if (format === "pdf") return { bytes: await textLayerPdf(doc), contentType: "application/pdf" };
  const canvas = pageImage(doc);
  if (format === "jpeg") return { bytes: await canvas.encode("jpeg", 75), contentType: "image/jpeg" };
  const png = await canvas.encode("png");
  if (format === "png") return { bytes: png, contentType: "image/png" };
  return { bytes: await scannedPdf(png), contentType: "application/pdf" };
}

async function textLayerPdf(doc: CorpusDocument): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(PDF_FONTS[doc.truth.font]);
  const page = pdf.addPage([PAGE.width, PAGE.height]);
  for (const cell of doc.cells) {
    const size = cell.size ?? 10;
    const x = cell.align === "right" ? cell.x - font.widthOfTextAtSize(cell.text, size) : cell.x;
    page.drawText(cell.text, { x, y: PAGE.height - cell.y, size, font });
  }
  return pdf.save();
}

function pageImage(doc: CorpusDocument): Canvas {
  const page = createCanvas(PAGE.width * SCALE, PAGE.height * SCALE);
  const g = page.getContext("2d");
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, page.width, page.height);
  g.fillStyle = "#111111";
  for (const cell of doc.cells) {
    g.font = `${(cell.size ?? 10) * SCALE}px "${CANVAS_FONTS[doc.truth.font]}"`;
    g.textAlign = cell.align === "right" ? "right" : "left";
    g.fillText(cell.text, cell.x * SCALE, cell.y * SCALE);
  }
  const scan = doc.truth.scan;
  if (!scan || (scan.angle === 0 && !scan.noise)) return page;
  const out = createCanvas(page.width, page.height);
  const o = out.getContext("2d");
  o.fillStyle = scan.noise ? "#ececec" : "#ffffff";
  o.fillRect(0, 0, out.width, out.height);
  o.translate(out.width / 2, out.height / 2);
  o.rotate((scan.angle * Math.PI) / 180);
  if (scan.noise) o.globalCompositeOperation = "multiply";
  o.drawImage(page, -page.width / 2, -page.height / 2);
  o.setTransform(1, 0, 0, 1, 0, 0);
  if (scan.noise) speckle(out, seeded(Number.parseInt(doc.truth.id, 10)));
  return out;
}

/** Dust and toner specks, as on a photocopy. */
function speckle(canvas: Canvas, random: () => number): void {
  const g = canvas.getContext("2d");
  g.globalCompositeOperation = "source-over";
  g.fillStyle = "#444444";
  for (let i = 0; i < 3000; i += 1) {
    const r = 0.6 + random() * 1.4;
    g.beginPath();
    g.arc(random() * canvas.width, random() * canvas.height, r, 0, Math.PI * 2);
    g.fill();
  }
}

async function scannedPdf(png: Uint8Array): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const image = await pdf.embedPng(png);
  pdf.addPage([PAGE.width, PAGE.height]).drawImage(image, { x: 0, y: 0, width: PAGE.width, height: PAGE.height });
  return pdf.save();
}
