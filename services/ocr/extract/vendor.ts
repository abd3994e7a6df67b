import { findDates } from "./dates.ts";
import { ADDRESSEE, ATTENTION, COMPANY_SUFFIX, dateLabels, INVOICE_NUMBER_LABEL, REGISTRATION, VENDOR_LABEL } from "./labels.ts";
import { sameColumnCell } from "./table.ts";
import { cellSpans, fold, splitCells } from "./text.ts";
import type { ExtractedField, TextLine } from "./types.ts";

/** The issuer's name is looked for in this many lines from the top (and in registration lines anywhere). */
const HEADER_LINES = 15;
/** An addressee label covers its own line and this many after it. */
const ADDRESS_BLOCK = 4;
/** A name beside a VAT or company number is the registered issuer: above a suffix and a top position together. */
const REGISTERED_SCORE = 5;

const NOT_NAME =
  /^(tax\s+)?(invoice|rechnung|facture|factuur|factura|fattura|fatura|receipt|quittung|bill|nota|credit\s*note)\b|@|https?:|www\.|\b(tel|phone|telefon|telefoon|telefono|fax|iban|bic|swift|page|seite|pagina|invoice|bill\s*to|ship\s*to|customer|kunde|client|cliente|klant|date|datum|fecha|data)\b|^(description|item|qty|quantity|amount|price|unit|total|subtotal|summe|betrag|menge|montant|bedrag|importe|importo|valor|vat|tva|btw|mwst|iva)\b/;

interface Candidate {
  readonly name: string;
  readonly line: TextLine;
  readonly score: number;
}

/**
 * The issuer: a labelled vendor ("Seller:", "Lieferant:", "Fournisseur :") if any; else the best
 * name among the header's cells and the names on registration lines (VAT or company number),
 * scored by legal-form suffix, logo size, position at the top and a registration beside it.
 * Cells under an addressee label (Bill to, ATTN, Rechnungsadresse, Destinataire, T.a.v., …) and
 * OCR noise are never candidates.
 */
export function findVendor(lines: readonly TextLine[]): ExtractedField<string> | undefined {
  for (const line of lines) {
    const label = VENDOR_LABEL.exec(fold(line.text));
    const name = label ? cleanName(splitCells(line.text.slice(label[0].length))[0] ?? "") : undefined;
    if (name && isName(name)) return { value: name, confidence: line.confidence, text: line.text };
  }
  const candidates = [...headerCandidates(lines), ...registeredNames(lines)];
  const counts = new Map<string, number>();
  for (const c of candidates) counts.set(fold(c.name), (counts.get(fold(c.name)) ?? 0) + 1);
  let best: Candidate | undefined;
  for (const c of candidates) {
    // A name printed twice (header and footer) is the issuer's.
    const score = c.score + ((counts.get(fold(c.name)) ?? 0) > 1 ? 2 : 0);
    if (best === undefined || score > best.score) best = { ...c, score };
  }
  return best ? { value: best.name, confidence: best.line.confidence, text: best.line.text } : undefined;
}

function headerCandidates(lines: readonly TextLine[]): Candidate[] {
  const header = lines.slice(0, HEADER_LINES);
  const heights = header.map((l) => l.height ?? 0).filter((h) => h > 0).toSorted((a, b) => a - b);
  const typical = heights[Math.floor(heights.length / 2)] ?? 0;
  const tallest = heights.at(-1) ?? 0;
  const addressed = addresseeCells(header);
  const candidates: Candidate[] = [];
  for (const [i, line] of header.entries()) {
    const logo = typical > 0 && (line.height ?? 0) >= tallest && tallest > typical * 1.25;
    for (const span of cellSpans(line.text)) {
      if (addressed.has(`${i}:${span.start}`)) continue;
      const name = cleanName(span.text);
      if (!isName(name)) continue;
      const score = (COMPANY_SUFFIX.test(fold(name)) ? 3 : 0) + (logo ? 2 : 0) + (i < 3 ? 1 : 0);
      candidates.push({ name, line, score });
    }
  }
  return candidates;
}

/**
 * Cells (as `line:start`) in an addressee block: the label's cell and the same column below it,
 * until a line with an invoice label. An attention line ("ATTN:", "z. Hd.", "T.a.v.") also
 * claims the line above it, where letters put the customer's company.
 */
function addresseeCells(lines: readonly TextLine[]): Set<string> {
  const marked = new Set<string>();
  const markColumn = (from: TextLine, start: number, index: number) => {
    const line = lines[index];
    if (!line) return;
    const cell = sameColumnCell(from, start, line);
    const spans = cellSpans(line.text);
    // Without a column to follow, the whole line belongs to the block.
    for (const s of cell === undefined ? spans : spans.filter((sp) => sp.text === cell)) marked.add(`${index}:${s.start}`);
  };
  for (const [i, line] of lines.entries()) {
    const spans = cellSpans(line.text);
    for (const [k, span] of spans.entries()) {
      const folded = fold(span.text);
      const label = ADDRESSEE.exec(folded);
      if (!label) continue;
      marked.add(`${i}:${span.start}`);
      // A label alone in its cell ("Bill To:") has the name in the next cell.
      const beside = /^[\s:.-]*$/.test(folded.slice(label[0].length)) ? spans[k + 1] : undefined;
      if (beside) marked.add(`${i}:${beside.start}`);
      const column = beside?.start ?? span.start;
      if (ATTENTION.test(folded) && i > 0) markColumn(line, column, i - 1);
      for (let next = i + 1; next <= i + ADDRESS_BLOCK && next < lines.length; next += 1) {
        const nextFolded = fold(lines[next]!.text);
        if (dateLabels(nextFolded).length > 0 || INVOICE_NUMBER_LABEL.test(nextFolded)) break;
        markColumn(line, column, next);
      }
    }
  }
  return marked;
}

/** Names on lines carrying a VAT or company registration number, e.g. a footer "Acme GmbH · USt-IdNr. DE…". */
function registeredNames(lines: readonly TextLine[]): Candidate[] {
  const candidates: Candidate[] = [];
  for (const line of lines) {
    const folded = fold(line.text);
    const registration = REGISTRATION.exec(folded);
    if (!registration) continue;
    const before = line.text.slice(0, registration.index);
    for (const part of before.split(/\s[·|•–—-]\s|,\s|\s{2,}/)) {
      const name = cleanName(part);
      if (isName(name) && COMPANY_SUFFIX.test(fold(name))) candidates.push({ name, line, score: REGISTERED_SCORE });
    }
  }
  return candidates;
}

function cleanName(text: string): string {
  return text.replace(/^[\s·|•:,;-]+|[\s·|•:,;-]+$/g, "").replace(/\s+/g, " ");
}

/** A plausible company or shop name: mostly letters, not a label, title, address or contact line. */
function isName(name: string): boolean {
  const letters = name.match(/\p{L}/gu)?.length ?? 0;
  const digits = name.match(/\d/g)?.length ?? 0;
  // Fewer than four letters is more often OCR noise ("Loe", "REE") than a shop's name.
  if (name.length > 80 || letters < 4 || digits > 1) return false;
  // OCR noise: runs of symbols, or no vowel at all.
  if (letters / name.replace(/\s/g, "").length < 0.7 || !/[aeiouy]/i.test(fold(name))) return false;
  return !NOT_NAME.test(fold(name)) && !ADDRESSEE.test(fold(name)) && findDates(name, "dmy").length === 0;
}
