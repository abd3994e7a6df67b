import { describe, expect, it } from "vitest";
import { detectLanguage, documentDateReading, extractInvoiceFields, extractLineItems, findDates, parseDate, parseMoney } from "../../services/ocr/extract/index.ts";
import type { TextLine } from "../../services/ocr/extract/index.ts";

const lines = (...texts: string[]): TextLine[] => texts.map((text) => ({ text, confidence: undefined }));
const read = (...texts: string[]) => extractInvoiceFields(lines(...texts), { dateOrder: "dmy" });

describe("the dates of real invoices that were read wrong (issue 15), verbatim", () => {
  it("reads `Invoice Date: August 3 , 2014` with the space before the comma", () => {
    expect(read("Acme Supplies Inc.", "Invoice Date: August 3 , 2014", "Total $120.00").invoiceDate?.value).toBe("2014-08-03");
  });

  it("reads `29 maart 2014` beside `Factuurdatum:`", () => {
    expect(read("Van Dijk B.V.", "Factuurdatum:   29 maart 2014", "Vervaldatum:   28 april 2014").invoiceDate?.value).toBe("2014-03-29");
  });

  it("reads `Facture n°… du 02 Juillet 2015` over the later payment deadline", () => {
    const fields = read("Maison Lumière SARL", "Facture n°… du 02 Juillet 2015", "Date limite de paiement : 02 Août 2015", "Total TTC   1 234,50 €");
    expect(fields.invoiceDate?.value).toBe("2015-07-02");
  });

  it("reads `7. Mai 2014` next to service periods `01.05.14-31.05.14`", () => {
    const fields = read("Nordlicht GmbH", "Leistungszeitraum 01.05.14-31.05.14", "Berlin, 7. Mai 2014", "Abrechnung 01.05.14-31.05.14");
    expect(fields.invoiceDate?.value).toBe("2014-05-07");
  });

  it("reads the European amount `€ 4.904,94`", () => {
    expect(parseMoney("€ 4.904,94")).toMatchObject({ amount: 4904.94, currency: "EUR" });
    expect(read("Shop GmbH", "Gesamtbetrag   € 4.904,94").total?.value).toBe(4904.94);
  });
});

describe("dates in seven languages", () => {
  it.each([
    ["7. Mai 2014", "2014-05-07"],
    ["7.Mai 2014", "2014-05-07"],
    ["07. Okt. 2014", "2014-10-07"],
    ["3. März 2024", "2024-03-03"],
    ["3. Marz 2024", "2024-03-03"],
    ["1er mars 2015", "2015-03-01"],
    ["3 févr. 2015", "2015-02-03"],
    ["15 août 2016", "2016-08-15"],
    ["29 mrt. 2014", "2014-03-29"],
    ["3 de agosto de 2014", "2014-08-03"],
    ["03-ago-2014", "2014-08-03"],
    ["3 Agosto, 2014", "2014-08-03"],
    ["12 dicembre 2019", "2019-12-12"],
    ["3 gen 2020", "2020-01-03"],
    ["9 de março de 2021", "2021-03-09"],
    ["05 Outubro 2018", "2018-10-05"],
    ["3rd August, 2014", "2014-08-03"],
    ["Aug. 3, 2014", "2014-08-03"],
    ["05.03.24", "2024-03-05"],
  ])("reads %s", (text, iso) => {
    expect(parseDate(text, "mdy")?.iso).toBe(iso);
  });

  it("marks both ends of a period and nothing else", () => {
    expect(findDates("01.05.14-31.05.14", "dmy").map((d) => [d.iso, d.range])).toEqual([["2014-05-01", true], ["2014-05-31", true]]);
    expect(findDates("du 01/05/2014 au 31/05/2014", "dmy").every((d) => d.range)).toBe(true);
    expect(findDates("Datum 07.05.2014", "dmy")[0]?.range).toBe(false);
  });

  it("reads no date into an amount or a quantity", () => {
    expect(findDates("2   Lavadora   1.234,56 €   2.469,12 €", "dmy")).toEqual([]);
    expect(findDates("Mar 12 items", "dmy")).toEqual([]);
  });

  it("settles the day/month order by the document's language or currency, else leaves it ambiguous", () => {
    expect(documentDateReading("Rechnung 05/03/2024", "de", "EUR", "mdy")).toEqual({ order: "dmy", settled: true, by: "language" });
    expect(documentDateReading("Invoice 05/03/2024", "en", "USD", "dmy")).toEqual({ order: "mdy", settled: true, by: "currency" });
    expect(documentDateReading("Invoice 05/03/2024", "en", "GBP", "mdy")).toEqual({ order: "dmy", settled: true, by: "currency" });
    expect(documentDateReading("Invoice 05/03/2024 due 31/03/2024", "en", "CAD", "mdy")).toEqual({ order: "dmy", settled: true, by: "date" });
    expect(documentDateReading("Invoice 05/03/2024", "en", "CAD", "mdy")).toEqual({ order: "mdy", settled: false, by: "configured" });
    expect(read("Shop Inc.", "Invoice Date: 05/03/2024", "Total $10.00").invoiceDate).toMatchObject({ value: "2024-05-03" });
    expect(read("Shop Inc.", "Invoice Date: 05/03/2024", "Total $10.00").invoiceDate?.alternatives).toBeUndefined();
    expect(read("Shop", "Invoice Date: 05/03/2024", "Total 10.00").invoiceDate).toMatchObject({ value: "2024-03-05", alternatives: ["2024-05-03"] });
  });

  it("detects the language from the invoice's words", () => {
    expect(detectLanguage("Factuurnummer 12\nFactuurdatum 29 maart 2014\nTotaal te betalen")).toBe("nl");
    expect(detectLanguage("Fattura n. 7\nData fattura\nTotale fattura\nIVA 22%")).toBe("it");
    expect(detectLanguage("Rechnungsnummer\nRechnungsdatum\nGesamtbetrag")).toBe("de");
    expect(detectLanguage("12345")).toBeUndefined();
  });
});

describe("the labelled invoice date wins over other dates", () => {
  it.each([
    [["Rechnungsdatum: 07.05.2014", "Lieferdatum: 02.05.2014", "Fällig am: 21.05.2014"], "2014-05-07"],
    [["Lieferdatum: 02.05.2014", "Rechnungsdatum: 07.05.2014"], "2014-05-07"],
    [["Date de livraison : 30/06/2015", "Date de facture : 02/07/2015", "Date d'échéance : 02/08/2015"], "2015-07-02"],
    [["Fecha de entrega: 01/08/2014", "Fecha de factura: 03/08/2014", "Fecha de vencimiento: 03/09/2014"], "2014-08-03"],
    [["Data di consegna: 01/08/2014", "Data fattura: 03/08/2014", "Scadenza: 03/09/2014"], "2014-08-03"],
    [["Data de entrega: 01-08-2014", "Data da fatura: 03-08-2014", "Data de vencimento: 03-09-2014"], "2014-08-03"],
    [["Order Date: 2014-07-30", "Invoice Date: 2014-08-03", "Due Date: 2014-09-02"], "2014-08-03"],
    [["Invoice No.   Invoice Date   Due Date", "INV-7   03/08/2014   02/09/2014"], "2014-08-03"],
    [["Factuur F-12 d.d. 29 maart 2014", "Graag betalen vóór 28 april 2014"], "2014-03-29"],
    [["Fattura n. 12 del 3 agosto 2014", "Pagamento entro il 2 settembre 2014"], "2014-08-03"],
  ])("reads %j as %s", (texts, iso) => {
    expect(read("Vendor Ltd", ...texts).invoiceDate?.value).toBe(iso);
  });

  it("takes no due or delivery date as the invoice date", () => {
    expect(read("Shop GmbH", "Fällig am: 21.05.2014", "Lieferdatum: 02.05.2014").invoiceDate).toBeUndefined();
  });
});

describe("totals, vendors and line items across languages", () => {
  it.each([
    [["Total HT   1 000,00 €", "TVA 20 %   200,00 €", "Total TTC   1 200,00 €"], 1200, "EUR"],
    [["Zwischensumme   1.000,00 €", "MwSt. 19%   190,00 €", "Gesamtbetrag   1.190,00 €"], 1190, "EUR"],
    [["Subtotaal   € 1.000,00", "BTW 21%   € 210,00", "Totaal te betalen   € 1.210,00"], 1210, "EUR"],
    [["Base imponible   1.000,00 €", "IVA 21%   210,00 €", "Total factura   1.210,00 €"], 1210, "EUR"],
    [["Imponibile   € 1.000,00", "IVA 22%   € 220,00", "Totale fattura   € 1.220,00"], 1220, "EUR"],
    [["Subtotal   1 000,00 €", "IVA 23%   230,00 €", "Total a pagar   1 230,00 €"], 1230, "EUR"],
    [["Subtotal   $1,000.00", "Sales Tax 8%   $80.00", "Total Due   $1,080.00", "Te betalen vóór 28-04-2014"], 1080, "USD"],
  ])("reads the grand total of %j", (texts, total, currency) => {
    const fields = read("Vendor Ltd", ...texts);
    expect([fields.total?.value, fields.currency?.value]).toEqual([total, currency]);
  });

  it("takes the issuer, never the addressee named after ATTN, Bill to, z. Hd. or T.a.v.", () => {
    expect(read("INVOICE", "ATTN: Purchasing, Contoso Retail Inc.", "Invoice No. 7", "Northwind Traders Inc.").vendorName?.value).toBe("Northwind Traders Inc.");
    expect(read("Bill To:   Globex Ltd", "Initech Corp   Invoice 5").vendorName?.value).toBe("Initech Corp");
    expect(read("RECHNUNG", "Müller & Söhne KG", "z. Hd. M. Weber", "Lindenallee 5, 80331 München", "Bergmann Elektro GmbH · USt-IdNr. DE123456789").vendorName?.value).toBe(
      "Bergmann Elektro GmbH",
    );
    expect(read("De Groot Witgoed B.V.", "Jansen Vastgoed B.V.", "T.a.v. P. de Vries", "Keizersgracht 100").vendorName?.value).toBe("De Groot Witgoed B.V.");
  });

  it("reads a footer's VAT-registered name when the header has only a logo word", () => {
    expect(read("NORDLICHT", "Rechnung Nr. 12", "Summe 10,00 €", "Nordlicht Haushaltsgeräte GmbH · USt-IdNr. DE123456789").vendorName?.value).toBe(
      "Nordlicht Haushaltsgeräte GmbH",
    );
  });

  it("ignores OCR noise above the header", () => {
    expect(read("~— |!l ;:", "Globex Appliances Ltd", "12 High Street").vendorName?.value).toBe("Globex Appliances Ltd");
  });

  it("keeps quantity, unit price and amount in their columns in every language", () => {
    expect(extractLineItems(lines("Bezeichnung   Menge   Einzelpreis   Betrag", "Waschmaschine   2   300,00 €   600,00 €", "Zwischensumme   600,00 €"))).toEqual([
      { description: "Waschmaschine", quantity: 2, unitPrice: 300, amount: 600 },
    ]);
    expect(extractLineItems(lines("Qté   Désignation   Prix unitaire   Montant", "2   Lave-linge   300,00 €   600,00 €", "Total HT   600,00 €"))).toEqual([
      { description: "Lave-linge", quantity: 2, unitPrice: 300, amount: 600 },
    ]);
  });

  it("puts a row's amount into the amount column when the table has no quantity column", () => {
    expect(extractLineItems(lines("Omschrijving   Prijs   Bedrag", "Wasmachine   € 300,00   € 600,00", "Installatie   € 49,00", "Subtotaal   € 649,00"))).toEqual([
      { description: "Wasmachine", quantity: undefined, unitPrice: 300, amount: 600 },
      { description: "Installatie", quantity: undefined, unitPrice: undefined, amount: 49 },
    ]);
  });

  it("assigns numbers by the header's positions when the layout is known", () => {
    const at = (text: string, left: number, right: number) => ({ text, left, right });
    const header: TextLine = { text: "Description   Qty   Price   Amount", confidence: undefined, cells: [at("Description", 50, 110), at("Qty", 300, 320), at("Price", 400, 430), at("Amount", 500, 545)] };
    const row: TextLine = { text: "Fee   49.00", confidence: undefined, cells: [at("Fee", 50, 70), at("49.00", 405, 430)] };
    expect(extractLineItems([header, row])).toEqual([{ description: "Fee", quantity: undefined, unitPrice: 49, amount: undefined }]);
  });
});
