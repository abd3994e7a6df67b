import type { Language } from "./language.ts";

/** One value read from an invoice. */
export interface ExtractedField<T> {
  readonly value: T;
  /** 0–1 when the engine reports one (OCR, Azure); undefined for an exact PDF text layer. */
  readonly confidence: number | undefined;
  /** The text the value was read from. */
  readonly text: string;
  /** Other readings of an ambiguous value, e.g. the swapped dd/mm date. */
  readonly alternatives?: readonly T[];
}

/** One row of the invoice's item table. */
export interface LineItem {
  readonly description: string;
  readonly quantity: number | undefined;
  readonly unitPrice: number | undefined;
  readonly amount: number | undefined;
}

/** The invoice fields the pipeline cares about; each is undefined when not found. */
export interface InvoiceFields {
  readonly vendorName: ExtractedField<string> | undefined;
  readonly invoiceId: ExtractedField<string> | undefined;
  /** `YYYY-MM-DD`. */
  readonly invoiceDate: ExtractedField<string> | undefined;
  readonly total: ExtractedField<number> | undefined;
  /** ISO 4217 code. */
  readonly currency: ExtractedField<string> | undefined;
  readonly lineItems: readonly LineItem[];
  /** The document's language as its words suggest; it settles how numeric dates are read. */
  readonly language: Language | undefined;
}

/**
 * A line of document text in reading order. Columns further apart than a word gap are
 * joined by {@link COLUMN_GAP}, so table cells stay separable.
 */
export interface TextLine {
  readonly text: string;
  /** 0–1 when the text came from OCR. */
  readonly confidence: number | undefined;
  /** Height of the line's text in page units, when the layout is known: the logo line is the tallest. */
  readonly height?: number;
  /** The line's table cells with their horizontal extent, when the layout is known. */
  readonly cells?: readonly PlacedCell[];
}

/** One table cell of a {@link TextLine}, in the page units of its layout. */
export interface PlacedCell {
  readonly text: string;
  readonly left: number;
  readonly right: number;
}

/** What layout reconstruction puts between table columns on one line. */
export const COLUMN_GAP = "   ";
