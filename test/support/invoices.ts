// Invoices generated for the tests, with the fields each one should yield.
import { deflateSync } from "node:zlib";
import { createCanvas } from "@napi-rs/canvas";
import { PDFDocument, PDFHexString, PDFName, PDFNumber, StandardFonts } from "pdf-lib";

/** A piece of text at a position on the page (points from the top left). */
export interface Cell {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly size?: number;
}

/** An invoice with the values a correct extraction yields. */
export interface InvoiceFixture {
  readonly name: string;
  readonly pages: readonly (readonly Cell[])[];
  readonly expected: {
    readonly vendorName: string;
    readonly invoiceId: string;
    readonly invoiceDate: string;
    readonly total: number;
    readonly currency: string;
    readonly lineItems: number;
  };
}

const row = (y: number, ...cells: readonly (readonly [string, number])[]): Cell[] => cells.map(([text, x]) => ({ text, x, y }));

/** Four layouts: German-style EUR, US with a due date, UK with labels above values, two pages. */
export const TEXT_INVOICES: readonly InvoiceFixture[] = [
  {
    name: "eur-gmbh",
    pages: [[
      { text: "ACME Electronics GmbH", x: 50, y: 60, size: 18 },
      ...row(85, ["Hauptstrasse 1, 10115 Berlin", 50]),
      ...row(130, ["Invoice No: INV-2024-0042", 50], ["Date: 5 Mar 2024", 350]),
      ...row(170, ["Description", 50], ["Qty", 300], ["Amount", 450]),
      ...row(190, ["Washing machine WM-1200 SN ABC123", 50], ["1", 300], ["1.299,00 EUR", 450]),
      ...row(210, ["Installation", 50], ["1", 300], ["10,00 EUR", 450]),
      ...row(240, ["Subtotal", 300], ["1.309,00 EUR", 450]),
      ...row(260, ["VAT 19%", 300], ["248,71 EUR", 450]),
      ...row(280, ["Total", 300], ["1.557,71 EUR", 450]),
    ]],
    expected: { vendorName: "ACME Electronics GmbH", invoiceId: "INV-2024-0042", invoiceDate: "2024-03-05", total: 1557.71, currency: "EUR", lineItems: 2 },
  },
  {
    name: "usd-due-date",
    pages: [[
      { text: "INVOICE", x: 400, y: 50, size: 24 },
      { text: "Northwind Traders Inc.", x: 50, y: 90, size: 14 },
      ...row(110, ["support@northwind.example", 50]),
      ...row(150, ["Invoice #: 10045", 50], ["Due Date: April 4, 2024", 350]),
      ...row(170, ["Invoice Date: March 5, 2024", 50]),
      ...row(210, ["Item", 50], ["Qty", 280], ["Unit price", 360], ["Total", 470]),
      ...row(230, ["Refrigerator RF-550", 50], ["1", 280], ["$1,199.00", 360], ["$1,199.00", 470]),
      ...row(270, ["Subtotal", 360], ["$1,199.00", 470]),
      ...row(290, ["Sales tax", 360], ["$100.00", 470]),
      ...row(310, ["Total Due", 360], ["$1,299.00", 470]),
    ]],
    expected: { vendorName: "Northwind Traders Inc.", invoiceId: "10045", invoiceDate: "2024-03-05", total: 1299, currency: "USD", lineItems: 1 },
  },
  {
    name: "gbp-labels-above",
    pages: [[
      { text: "Globex Ltd", x: 50, y: 60, size: 20 },
      ...row(85, ["12 High Street, London", 50]),
      ...row(130, ["Invoice Number", 50], ["Date", 250], ["Customer", 400]),
      ...row(150, ["GX/7781", 50], ["05/03/2024", 250], ["J. Smith", 400]),
      ...row(200, ["Description", 50], ["Quantity", 300], ["Amount", 450]),
      ...row(220, ["Television TV-65X", 50], ["1", 300], ["£ 12,345.67", 450]),
      ...row(260, ["Grand Total: £ 12,345.67", 300]),
    ]],
    expected: { vendorName: "Globex Ltd", invoiceId: "GX/7781", invoiceDate: "2024-03-05", total: 12345.67, currency: "GBP", lineItems: 1 },
  },
  {
    name: "two-pages-usd-code",
    pages: [
      [
        { text: "Initech Corp", x: 50, y: 60, size: 16 },
        ...row(100, ["Invoice ID: IT-99", 50], ["Issue date: 2024-03-05", 300]),
        ...row(140, ["Description", 50], ["Quantity", 300], ["Price", 450]),
        ...row(160, ["Blender BL-9", 50], ["1", 300], ["USD 99", 450]),
      ],
      [...row(60, ["Amount due: USD 99", 300]), ...row(90, ["Thank you for your purchase.", 50])],
    ],
    expected: { vendorName: "Initech Corp", invoiceId: "IT-99", invoiceDate: "2024-03-05", total: 99, currency: "USD", lineItems: 1 },
  },
];

/** A text-layer PDF of `fixture` (A4, Helvetica). */
export async function textPdf(fixture: Pick<InvoiceFixture, "pages">): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const cells of fixture.pages) {
    const page = doc.addPage([595, 842]);
    for (const cell of cells) page.drawText(cell.text, { x: cell.x, y: 842 - cell.y, size: cell.size ?? 11, font });
  }
  return doc.save();
}

/** The image invoice OCR tests read. */
export const IMAGE_INVOICE: InvoiceFixture = {
  name: "png-gbp",
  pages: [[
    { text: "Northwind Appliances Ltd", x: 40, y: 50, size: 24 },
    ...row(110, ["Invoice Number: NW-88213", 40], ["Invoice Date: 12/04/2024", 340]),
    ...row(170, ["Description", 40], ["Qty", 340], ["Amount", 460]),
    ...row(200, ["Dishwasher DW-5000 Serial SN99812", 40], ["1", 340], ["£ 1,345.67", 460]),
    ...row(260, ["Total: £ 1,345.67", 340]),
  ]],
  expected: { vendorName: "Northwind Appliances Ltd", invoiceId: "NW-88213", invoiceDate: "2024-04-12", total: 1345.67, currency: "GBP", lineItems: 1 },
};

/** Renders the first page of `fixture` as a PNG or JPEG at `scale` pixels per point. */
export async function imageOf(fixture: InvoiceFixture, format: "png" | "jpeg" = "png", scale = 2): Promise<Uint8Array> {
  const canvas = createCanvas(595 * scale, 420 * scale);
  const g = canvas.getContext("2d");
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = "#000000";
  for (const cell of fixture.pages[0] ?? []) {
    g.font = `${(cell.size ?? 13) * scale}px sans-serif`;
    g.fillText(cell.text, cell.x * scale, cell.y * scale);
  }
  return format === "png" ? canvas.encode("png") : canvas.encode("jpeg", 92);
}

/** A PDF whose only page is `png`, as a scanner would produce: no text layer. */
export async function scannedPdf(png: Uint8Array): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const image = await doc.embedPng(png);
  const page = doc.addPage([595, 420]);
  page.drawImage(image, { x: 0, y: 0, width: 595, height: 420 });
  return doc.save();
}

/** A PNG header announcing `width`×`height` with no pixel data worth decoding. */
export function pngHeader(width: number, height: number): Uint8Array {
  const bytes = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes, 0);
  bytes.writeUInt32BE(13, 8);
  bytes.write("IHDR", 12, "latin1");
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  bytes.writeUInt8(8, 24);
  return bytes;
}

/** A JPEG whose frame header announces `width`×`height` after an APP0 segment. */
export function jpegHeader(width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, ...Buffer.from("JFIF\0"), 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const sof = [0xff, 0xc0, 0x00, 0x11, 8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return Uint8Array.from([0xff, 0xd8, ...app0, ...sof, 0xff, 0xd9]);
}

/** A PDF with `count` blank pages. */
export async function manyPagesPdf(count: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < count; i += 1) doc.addPage([200, 200]);
  return doc.save();
}

/** A PDF whose page content is a Flate stream inflating to `inflatedBytes` from a few kilobytes. */
export async function bombPdf(inflatedBytes: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([200, 200]);
  const stream = doc.context.stream(deflateSync(Buffer.alloc(inflatedBytes, 0x20), { level: 9 }), { Filter: "FlateDecode" });
  page.node.set(PDFName.of("Contents"), doc.context.register(stream));
  return doc.save({ useObjectStreams: false });
}

/** A PDF with an image XObject announcing `width`×`height` pixels. */
export async function hugeImagePdf(width: number, height: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([200, 200]);
  const image = doc.context.stream(deflateSync(Buffer.alloc(64)), {
    Type: "XObject", Subtype: "Image", Width: width, Height: height, ColorSpace: "DeviceGray", BitsPerComponent: 8, Filter: "FlateDecode",
  });
  doc.context.register(image);
  return doc.save({ useObjectStreams: false });
}

/**
 * A PDF with a standard security handler whose user password is not empty (random O/U
 * entries), so a reader cannot open it without a password.
 */
export async function encryptedPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([200, 200]).drawText("secret", { x: 20, y: 100 });
  const random = (n: number) => PDFHexString.of(Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255)).toString("hex"));
  const encrypt = doc.context.obj({ Filter: "Standard", V: 2, R: 3, Length: 128, P: PDFNumber.of(-3904), O: random(32), U: random(32) });
  doc.context.trailerInfo.Encrypt = doc.context.register(encrypt);
  doc.context.trailerInfo.ID = doc.context.obj([random(16), random(16)]);
  return doc.save({ useObjectStreams: false });
}
