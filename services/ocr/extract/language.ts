import { findDates } from "./dates.ts";
import type { DateOrder } from "./dates.ts";
import { fold } from "./text.ts";

/** The languages whose invoices the parser reads. */
export const LANGUAGES = ["en", "de", "fr", "nl", "es", "it", "pt"] as const;
export type Language = (typeof LANGUAGES)[number];

/** Words that mark a language on an invoice, folded; words shared by languages count for each. */
const KEYWORDS: Readonly<Record<Language, RegExp>> = {
  en: /\b(invoice|date|due|amount|quantity|qty|price|subtotal|tax|description|bill\s+to|ship\s+to|thank\s+you|payment|balance)\b/g,
  de: /\b(rechnung\w*|datum|betrag|menge|anzahl|einzelpreis|gesamt\w*|summe|mwst|ust|zahlbar|bezeichnung|beschreibung|netto|brutto|leistung\w*|liefer\w*|vielen|bitte|steuer\w*)\b/g,
  fr: /\b(facture|montant|quantite|qte|prix|tva|ttc|ht|echeance|designation|libelle|reglement|paiement|livraison|merci|client|unitaire)\b/g,
  nl: /\b(factuur\w*|bedrag|aantal|prijs|btw|totaal|omschrijving|vervaldatum|betaling|levering|graag|bedankt)\b/g,
  es: /\b(factura|fecha|importe|cantidad|precio|vencimiento|descripcion|concepto|gracias|pago|entrega)\b/g,
  it: /\b(fattura|data|importo|quantita|prezzo|scadenza|descrizione|totale|pagamento|consegna|grazie|imponibile)\b/g,
  pt: /\b(fatura|data|quantidade|preco|valor|vencimento|descricao|pagamento|obrigado|contribuinte|nif)\b/g,
};

/** Currencies whose English-language invoices write the day first. */
const DAY_FIRST_CURRENCIES = new Set(["GBP", "EUR", "AUD", "NZD", "INR", "ZAR", "SGD", "HKD", "CHF"]);

/** The language with the most marker words in `text`, if any has at least two. */
export function detectLanguage(text: string): Language | undefined {
  const folded = fold(text);
  let best: { language: Language; hits: number } | undefined;
  for (const language of LANGUAGES) {
    const hits = folded.match(KEYWORDS[language])?.length ?? 0;
    if (hits >= 2 && (best === undefined || hits > best.hits)) best = { language, hits };
  }
  return best?.language;
}

/** How a document's all-numeric dates are read, and what settled it. */
export interface DocumentDateReading {
  readonly order: DateOrder;
  readonly settled: boolean;
  readonly by: "date" | "language" | "currency" | "configured";
}

/**
 * Settles the day/month order of a document: a numeric date whose numbers alone decide it
 * (`31/03/2024`) settles it for every other date; then the language (German, French, Dutch,
 * Spanish, Italian and Portuguese write the day first); then, for English, the currency (USD is
 * month-first, GBP, EUR and most others day-first). Otherwise the configured order applies and
 * the dates it reads stay ambiguous.
 */
export function documentDateReading(
  text: string,
  language: Language | undefined,
  currency: string | undefined,
  configured: DateOrder,
): DocumentDateReading {
  const decided = new Set(findDates(text, configured).map((d) => d.decides).filter((d) => d !== undefined));
  const [only] = decided;
  if (decided.size === 1 && only !== undefined) return { order: only, settled: true, by: "date" };
  if (language !== undefined && language !== "en") return { order: "dmy", settled: true, by: "language" };
  if (language === "en" && currency === "USD") return { order: "mdy", settled: true, by: "currency" };
  if (language === "en" && currency !== undefined && DAY_FIRST_CURRENCIES.has(currency)) return { order: "dmy", settled: true, by: "currency" };
  return { order: configured, settled: false, by: "configured" };
}
