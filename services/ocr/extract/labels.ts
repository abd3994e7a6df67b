// Labels of invoice fields in English, German, French, Dutch, Spanish, Italian and Portuguese.
// Every pattern runs on folded text (lower case, accents stripped: see fold in text.ts).

/** Document types an invoice number belongs to. */
const DOCUMENT = "(?:invoice|inv|bill|receipt|rechnung|beleg|facture|factuur|factura|fattura|fatura|nota\\s+fiscal)";
/** "Number" in its spellings and abbreviations: no., nr., n°, nº, n., num., número. */
const NUMBER = "(?:(?:number|s?-?nummer|numero|num|no|nr|id)(?![a-z])\\.?|#|n\\.?\\s*[°º]\\.?|n\\.)";

/** An invoice-number label: `Invoice No`, `Rechnungsnummer`, `Facture n°`, `N° de facture`, `Número de factura`. */
export const INVOICE_NUMBER_LABEL = new RegExp(
  `\\b(?:${DOCUMENT}\\.?\\s*-?\\s*${NUMBER}|${NUMBER}\\s*(?:(?:de|da|di|del|of)\\s+)?(?:la\\s+)?${DOCUMENT}|rechnungs-?nr\\.?|factuurnr\\.?)`,
  "g",
);

/** A document word directly followed by its number: "Factuur F-2014-300 d.d. …", "Invoice INV-7 dated …". */
export const DOCUMENT_THEN_NUMBER = new RegExp(`\\b${DOCUMENT}\\s+(?=[a-z]{0,4}[-/]?\\d)`, "g");

/** A label naming the invoice's own date. */
const STRONG_DATE =
  "invoice\\s*date|date\\s*of\\s*(?:issue|invoice)|issue\\s*date|date\\s*issued|issued\\s*on|invoice\\s*dated|bill\\s*date|tax\\s*point|" +
  "rechnungsdatum|datum\\s*der\\s*rechnung|ausstellungsdatum|belegdatum|" +
  "date\\s*de\\s*(?:la\\s*)?(?:facture|facturation)|date\\s*d'?\\s*emission|" +
  "factuurdatum|datum\\s*factuur|" +
  "fecha\\s*(?:de\\s*)?(?:la\\s*)?factura|fecha\\s*(?:de\\s*)?(?:emision|expedicion)|" +
  "data\\s*(?:della\\s*)?fattura|data\\s*(?:di\\s*)?emissione|data\\s*documento|" +
  "data\\s*(?:da\\s*)?(?:fatura|factura)|data\\s*(?:de\\s*)?emissao";

/** Words that make a date something other than the issue date: due, delivery, order, period, validity. */
const OTHER_WORDS =
  "due|payable|payment|pay\\s*by|deliver\\w*|ship\\w*|dispatch\\w*|order|period|service|valid\\w*|expir\\w*|" +
  "fallig\\w*|zahl\\w*|liefer\\w*|leistung\\w*|zeitraum|bestell\\w*|auftrag\\w*|gultig\\w*|versand\\w*|" +
  "echeance|limite|livraison|commande|periode|paiement|regl\\w*|validite|avant\\s*le|expedition|" +
  "verval\\w*|lever\\w*|bestel\\w*|betaal\\w*|betalen|betaling|uiterlijk|" +
  "vencimiento|entrega|pedido|periodo|pago|pagar|envio|" +
  "scadenza|consegna|ordine|pagamento|spedizione|" +
  "vencimento|encomenda|validade|envio";

/** A bare "date" label, read as the issue date when nothing more specific is around. */
const WEAK_DATE = "date|datum|fecha|data|dated|d\\.\\s*d\\.";

/** The kind of a date label; `number` is an invoice-number label a date may follow ("Facture n° 12 du …"). */
export type DateLabelKind = "strong" | "other" | "number" | "weak";

/** A label found in a line, by its position in the folded text. */
export interface FoundLabel {
  readonly kind: DateLabelKind;
  readonly index: number;
  readonly end: number;
}

// Alternatives in priority order: at one position "due date" is `other`, never `weak`.
const DATE_LABELS = new RegExp(
  `\\b(?:(?<strong>${STRONG_DATE})|(?<other>(?:(?:${WEAK_DATE})\\s*(?:(?:de|di|da|do|del|of|van|der|d')\\s*)?(?:la\\s*|le\\s*)?)?(?:${OTHER_WORDS})(?:\\s*(?:${WEAK_DATE}))?)|(?<number>${INVOICE_NUMBER_LABEL.source.slice(2)})|(?<weak>${WEAK_DATE}))(?![a-z])`,
  "g",
);

/** Every date-related label in a folded line, left to right. */
export function dateLabels(folded: string): FoundLabel[] {
  return [...folded.matchAll(DATE_LABELS)].map((m) => {
    const groups = m.groups ?? {};
    const kind: DateLabelKind = groups["strong"] ? "strong" : groups["other"] ? "other" : groups["number"] ? "number" : "weak";
    return { kind, index: m.index, end: m.index + m[0].length };
  });
}

/** A grand-total label (ranked above a bare "total"). */
export const GRAND_TOTAL =
  /\b(grand\s*total|invoice\s*total|total\s*(?:amount\s*)?due|amount\s*due|balance\s*due|total\s*payable|amount\s*payable|total\s*to\s*pay|gesamtbetrag|rechnungsbetrag|endbetrag|gesamtsumme|zu\s*zahlen\w*|bruttobetrag|total\s*ttc|montant\s*ttc|net\s*a\s*payer|montant\s*total|total\s*a\s*payer|montant\s*du|te\s*betalen|totaalbedrag|factuurbedrag|totaal\s*te\s*betalen|importe\s*total|total\s*a\s*pagar|total\s*factura|totale\s*(?:fattura|documento|da\s*pagare|complessivo)|importo\s*totale|netto\s*a\s*pagare|valor\s*total|total\s*geral|total\s*da\s*fatura)\b/;
/** A plain total label. */
export const TOTAL = /\b(total(?:\s*amount)?|amount\s*paid|summe|gesamt|totaal|totale|montant|importe|importo)\b/;
/** Lines that carry a part of the total: subtotal, net, tax, discount, shipping. */
export const NOT_TOTAL =
  /\b(sub-?\s*total\w*|net\s*total|total\s*(?:vat|tax|gst|discount|net|excl\w*|ht|hors|sin|sem|senza)\w*|tax|vat|gst|zwischensumme|nettobetrag|netto(?!\s*a\s*pagare)\w*|summe\s*netto|mwst|ust|umsatzsteuer|rabatt|tva|montant\s*ht|sous-?\s*total|remise|btw|korting|subtotaal|iva|base\s*imponible|imponibile|descuento|sconto|desconto)\b/;
/** "including VAT" in any language, removed before looking for {@link NOT_TOTAL}. */
export const INCLUDING_TAX =
  /\b(?:incl\w*|inc\.?|inkl\w*|including|con|com|avec)\.?\s*(?:vat|tax|gst|mwst|ust|btw|iva|tva)\b|\b(?:vat|tax|mwst|btw|iva|tva)\.?\s*(?:incl\w*|compris\w*|inbegrepen)/g;

/** A label introducing the addressee: the lines after it name the customer, not the vendor. */
export const ADDRESSEE =
  /^\s*(?:bill(?:ed)?\s*to|ship(?:ped)?\s*to|sold\s*to|deliver\s*to|invoice\s*to|att?i?n|attention|to\s*:|customer|client\w*|kunde\w*|rechnungsempfanger|rechnungsadresse|lieferadresse|lieferanschrift|empfanger|an\s*:|z\.?\s*hd\.?|zu\s*handen|herrn?|frau|destinataire|facture\s*a|factur[ea]r?\s*a|adresse\s*de\s*livraison|a\s*l'\s*attention|klant\w*|aan\s*:|t\.?\s*a\.?\s*v\.?|factuuradres|afleveradres|facturar\s*a|destinatario|a\s*la\s*atencion|atencion|all'\s*attenzione|attenzione|a\s*\/\s*c|aos\s*cuidados|enviar\s*a|spett\.?\s*le|alla\s*c\.?\s*a\.?|exmos?\.?|mr\.|mrs\.|ms\.|mme)(?![a-z])/;
/** An attention line: in letters it follows the customer's company name. */
export const ATTENTION = /^\s*(?:att?i?n|attention|z\.?\s*hd\.?|zu\s*handen|a\s*l'\s*attention|t\.?\s*a\.?\s*v\.?|a\s*la\s*atencion|atencion|alla\s*c\.?\s*a\.?|all'\s*attenzione|a\s*\/\s*c|aos\s*cuidados)(?![a-z])/;

/** A label naming the vendor. */
export const VENDOR_LABEL =
  /^\s*(?:vendor|seller|sold\s*by|supplier|merchant|from|issued\s*by|verkaufer|lieferant|rechnungssteller|fournisseur|vendeur|emetteur|leverancier|verkoper|proveedor|emisor|vendedor|fornitore|venditore|fornecedor|emitente)\s*[:-]\s*/;
/** A company-registration or VAT number: the name on its line is the issuer's registered name. */
export const REGISTRATION =
  /\b(vat\s*(?:no|reg\w*|number|id)|ust-?\s*id\w*|ust\.?\s*-?\s*nr|steuer-?\s*nr|steuernummer|tva\s*intra\w*|n[°º]\s*tva|siret|siren|rcs|btw-?\s*(?:nr|nummer|id)|kvk|cif|nif|nipc|p\.?\s*iva|partita\s*iva|hrb|company\s*(?:no|number|reg\w*)|registered\s+in)\b/;
/** Legal-form suffixes of company names. */
export const COMPANY_SUFFIX =
  /(?:^|[\s,])(ltd|limited|gmbh|inc|llc|plc|ag|kg|ohg|ug|sa|s\.a\.|sas|sarl|s\.a\.r\.l\.|eurl|sl|s\.l\.|slu|srl|s\.r\.l\.|spa|s\.p\.a\.|snc|bv|b\.v\.|nv|n\.v\.|vof|lda|ltda|pty|corp|corporation|co\.|company|oy|ab|aps)\.?(?=$|[\s,)])/;
