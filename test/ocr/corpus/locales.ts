// How invoices are written in each locale of the evaluation corpus: labels, names, month names,
// number formats. Only the generator reads this; the parser has its own, separate vocabulary.

/** The locales of the corpus. */
export const LOCALES = ["en-US", "en-GB", "de", "fr", "nl", "es", "it", "pt"] as const;
export type LocaleId = (typeof LOCALES)[number];

/** Everything the generator needs to write an invoice in one locale. */
export interface Locale {
  readonly id: LocaleId;
  readonly language: string;
  readonly currency: "USD" | "GBP" | "EUR";
  readonly taxRate: number;
  readonly labels: {
    readonly title: string;
    readonly invoiceNo: string;
    readonly invoiceDate: string;
    readonly date: string;
    readonly due: string;
    readonly delivery: string;
    readonly period: string;
    readonly billTo: string;
    readonly attn: string;
    readonly description: string;
    readonly quantity: string;
    readonly unitPrice: string;
    readonly amount: string;
    readonly subtotal: string;
    readonly tax: string;
    readonly total: string;
    readonly vatId: string;
    /** "Facture n° {no} du {date}". */
    readonly numberedOn: string;
    /** "Payment due by {date}". */
    readonly payBy: string;
    readonly thanks: string;
  };
  readonly vendors: readonly string[];
  readonly customers: readonly string[];
  readonly streets: readonly string[];
  readonly months: readonly string[];
  /** Abbreviated month names, as printed (with their own dot where the language uses one). */
  readonly shortMonths: readonly string[];
  readonly items: readonly string[];
}

const EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const EN_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const EN_ITEMS = ["Washing machine WM-1200", "Dishwasher DW-5000", "Installation service", "Extended warranty 3 years", "Delivery and haul-away"];

const EN_LABELS = {
  title: "INVOICE", invoiceNo: "Invoice No.", invoiceDate: "Invoice Date", date: "Date", due: "Due Date", delivery: "Delivery Date",
  period: "Service period", billTo: "Bill To", attn: "ATTN:", description: "Description", quantity: "Qty", unitPrice: "Unit Price",
  amount: "Amount", subtotal: "Subtotal", tax: "Tax", total: "Total Due", vatId: "VAT No.", numberedOn: "Invoice {no} dated {date}",
  payBy: "Payment due by {date}", thanks: "Thank you for your business.",
} as const;

/** The corpus locales by id. */
export const LOCALE_DATA: Readonly<Record<LocaleId, Locale>> = {
  "en-US": {
    id: "en-US", language: "en", currency: "USD", taxRate: 0.08,
    labels: { ...EN_LABELS, tax: "Sales Tax 8%", vatId: "EIN" },
    vendors: ["Northwind Traders Inc.", "Blue Ridge Appliances LLC", "Summit Home Electronics Corp."],
    customers: ["Contoso Retail Inc.", "Fabrikam Stores LLC"],
    streets: ["1200 Market Street, Denver, CO 80202", "45 Harbor Road, Portland, ME 04101"],
    months: EN_MONTHS, shortMonths: EN_SHORT, items: EN_ITEMS,
  },
  "en-GB": {
    id: "en-GB", language: "en", currency: "GBP", taxRate: 0.2,
    labels: { ...EN_LABELS, tax: "VAT 20%", total: "Total" },
    vendors: ["Globex Appliances Ltd", "Thames Valley Electrical Ltd", "Harrow Home Supplies Ltd"],
    customers: ["Wayne Lettings Ltd", "Oakwood Property Services Ltd"],
    streets: ["12 High Street, London EC1A 1BB", "3 Mill Lane, Leeds LS1 4AP"],
    months: EN_MONTHS, shortMonths: EN_SHORT, items: EN_ITEMS,
  },
  de: {
    id: "de", language: "de", currency: "EUR", taxRate: 0.19,
    labels: {
      title: "RECHNUNG", invoiceNo: "Rechnungsnummer", invoiceDate: "Rechnungsdatum", date: "Datum", due: "Fällig am", delivery: "Lieferdatum",
      period: "Leistungszeitraum", billTo: "Rechnungsadresse", attn: "z. Hd.", description: "Bezeichnung", quantity: "Menge", unitPrice: "Einzelpreis",
      amount: "Betrag", subtotal: "Zwischensumme", tax: "MwSt. 19%", total: "Gesamtbetrag", vatId: "USt-IdNr.", numberedOn: "Rechnung Nr. {no} vom {date}",
      payBy: "Zahlbar bis {date} ohne Abzug.", thanks: "Vielen Dank für Ihren Auftrag.",
    },
    vendors: ["Nordlicht Haushaltsgeräte GmbH", "Bergmann Elektro GmbH", "Weißenfels Technik AG"],
    customers: ["Müller & Söhne KG", "Hausverwaltung Schulz GmbH"],
    streets: ["Hauptstraße 12, 10115 Berlin", "Lindenallee 5, 80331 München"],
    months: ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"],
    shortMonths: ["Jan.", "Feb.", "Mrz.", "Apr.", "Mai", "Jun.", "Jul.", "Aug.", "Sep.", "Okt.", "Nov.", "Dez."],
    items: ["Waschmaschine WM-1200", "Geschirrspüler DW-5000", "Montage und Anschluss", "Garantieverlängerung 3 Jahre", "Lieferung"],
  },
  fr: {
    id: "fr", language: "fr", currency: "EUR", taxRate: 0.2,
    labels: {
      title: "FACTURE", invoiceNo: "Facture n°", invoiceDate: "Date de facture", date: "Date", due: "Date d'échéance", delivery: "Date de livraison",
      period: "Période", billTo: "Facturé à", attn: "À l'attention de", description: "Désignation", quantity: "Qté", unitPrice: "Prix unitaire",
      amount: "Montant", subtotal: "Total HT", tax: "TVA 20 %", total: "Total TTC", vatId: "N° TVA", numberedOn: "Facture n° {no} du {date}",
      payBy: "Date limite de paiement : {date}", thanks: "Merci de votre confiance.",
    },
    vendors: ["Maison Lumière SARL", "Électroménager Dubois SAS", "Atelier Moreau SA"],
    customers: ["Dupont Services SAS", "Résidence Les Tilleuls SARL"],
    streets: ["12 rue de la Paix, 75002 Paris", "8 avenue Jean Jaurès, 69007 Lyon"],
    months: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"],
    shortMonths: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
    items: ["Lave-linge WM-1200", "Lave-vaisselle DW-5000", "Installation", "Extension de garantie 3 ans", "Livraison"],
  },
  nl: {
    id: "nl", language: "nl", currency: "EUR", taxRate: 0.21,
    labels: {
      title: "FACTUUR", invoiceNo: "Factuurnummer", invoiceDate: "Factuurdatum", date: "Datum", due: "Vervaldatum", delivery: "Leverdatum",
      period: "Periode", billTo: "Factuuradres", attn: "T.a.v.", description: "Omschrijving", quantity: "Aantal", unitPrice: "Prijs",
      amount: "Bedrag", subtotal: "Subtotaal", tax: "BTW 21%", total: "Totaal te betalen", vatId: "BTW-nr", numberedOn: "Factuur {no} d.d. {date}",
      payBy: "Graag betalen vóór {date}", thanks: "Bedankt voor uw bestelling.",
    },
    vendors: ["Van Dijk Elektronica B.V.", "De Groot Witgoed B.V.", "Bakker Huishoudtechniek B.V."],
    customers: ["Jansen Vastgoed B.V.", "Visser Beheer B.V."],
    streets: ["Keizersgracht 100, 1015 CX Amsterdam", "Coolsingel 40, 3011 AD Rotterdam"],
    months: ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"],
    shortMonths: ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
    items: ["Wasmachine WM-1200", "Vaatwasser DW-5000", "Installatie", "Garantie-uitbreiding 3 jaar", "Bezorging"],
  },
  es: {
    id: "es", language: "es", currency: "EUR", taxRate: 0.21,
    labels: {
      title: "FACTURA", invoiceNo: "Factura nº", invoiceDate: "Fecha de factura", date: "Fecha", due: "Fecha de vencimiento", delivery: "Fecha de entrega",
      period: "Periodo", billTo: "Facturar a", attn: "Atención:", description: "Descripción", quantity: "Cantidad", unitPrice: "Precio unitario",
      amount: "Importe", subtotal: "Base imponible", tax: "IVA 21%", total: "Total factura", vatId: "CIF", numberedOn: "Factura nº {no} de {date}",
      payBy: "Pagar antes del {date}", thanks: "Gracias por su compra.",
    },
    vendors: ["Electrodomésticos Sol S.L.", "Hogar Martínez S.A.", "Técnica Ibérica S.L."],
    customers: ["Inmobiliaria Costa S.L.", "Reformas García S.A."],
    streets: ["Calle Mayor 10, 28013 Madrid", "Avenida Diagonal 200, 08018 Barcelona"],
    months: ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"],
    shortMonths: ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
    items: ["Lavadora WM-1200", "Lavavajillas DW-5000", "Instalación", "Ampliación de garantía 3 años", "Transporte"],
  },
  it: {
    id: "it", language: "it", currency: "EUR", taxRate: 0.22,
    labels: {
      title: "FATTURA", invoiceNo: "Fattura n.", invoiceDate: "Data fattura", date: "Data", due: "Scadenza", delivery: "Data di consegna",
      period: "Periodo", billTo: "Destinatario", attn: "Alla c.a.", description: "Descrizione", quantity: "Quantità", unitPrice: "Prezzo unitario",
      amount: "Importo", subtotal: "Imponibile", tax: "IVA 22%", total: "Totale fattura", vatId: "P.IVA", numberedOn: "Fattura n. {no} del {date}",
      payBy: "Pagamento entro il {date}", thanks: "Grazie per l'acquisto.",
    },
    vendors: ["Casa Bella Elettrodomestici S.r.l.", "Rossi Elettronica S.p.A.", "Ferraro Tecnica S.r.l."],
    customers: ["Immobiliare Verdi S.r.l.", "Condominio Aurora S.r.l."],
    streets: ["Via Roma 15, 00184 Roma", "Corso Buenos Aires 30, 20124 Milano"],
    months: ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"],
    shortMonths: ["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"],
    items: ["Lavatrice WM-1200", "Lavastoviglie DW-5000", "Installazione", "Estensione garanzia 3 anni", "Trasporto"],
  },
  pt: {
    id: "pt", language: "pt", currency: "EUR", taxRate: 0.23,
    labels: {
      title: "FATURA", invoiceNo: "Fatura n.º", invoiceDate: "Data da fatura", date: "Data", due: "Data de vencimento", delivery: "Data de entrega",
      period: "Período", billTo: "Cliente", attn: "A/C:", description: "Descrição", quantity: "Quantidade", unitPrice: "Preço unitário",
      amount: "Valor", subtotal: "Subtotal", tax: "IVA 23%", total: "Total a pagar", vatId: "NIF", numberedOn: "Fatura n.º {no} de {date}",
      payBy: "Pagamento até {date}", thanks: "Obrigado pela sua preferência.",
    },
    vendors: ["Lar Feliz Eletrodomésticos Lda.", "Casa Sousa Lda.", "TecnoLusa S.A."],
    customers: ["Imobiliária Tejo Lda.", "Condomínio Sol Nascente Lda."],
    streets: ["Rua Augusta 50, 1100-053 Lisboa", "Avenida da Boavista 900, 4100-112 Porto"],
    months: ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"],
    shortMonths: ["jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"],
    items: ["Máquina de lavar WM-1200", "Máquina de loiça DW-5000", "Instalação", "Extensão de garantia 3 anos", "Entrega"],
  },
};
