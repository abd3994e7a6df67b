import { describe, expect, it } from "vitest";
import { extractInvoiceFields, extractLineItems, findMoney, parseDate, parseMoney, parseNumber } from "../../services/ocr/extract/index.ts";
import type { TextLine } from "../../services/ocr/extract/index.ts";

const lines = (...texts: string[]): TextLine[] => texts.map((text) => ({ text, confidence: undefined }));

describe("parseDate", () => {
  it.each([
    ["2024-03-05", "2024-03-05"],
    ["2024/03/05", "2024-03-05"],
    ["5 Mar 2024", "2024-03-05"],
    ["5th March 2024", "2024-03-05"],
    ["5th of March, 2024", "2024-03-05"],
    ["05-Mar-2024", "2024-03-05"],
    ["05-MAR-24", "2024-03-05"],
    ["March 5, 2024", "2024-03-05"],
    ["Mar. 5 2024", "2024-03-05"],
    ["Sept 30, 2023", "2023-09-30"],
    ["05.03.2024", "2024-03-05"],
    ["05.03.24", "2024-03-05"],
    ["31/12/2023", "2023-12-31"],
    ["12/31/2023", "2023-12-31"],
    ["29/02/2024", "2024-02-29"],
    ["Date: 1/2/99", "1999-02-01"],
  ])("reads %s as %s (day-first default)", (text, iso) => {
    expect(parseDate(text, "dmy")?.iso).toBe(iso);
  });

  it("resolves dd/mm vs mm/dd by the configured order and keeps the other reading", () => {
    expect(parseDate("05/03/2024", "dmy")).toMatchObject({ iso: "2024-03-05", ambiguous: true, alternative: "2024-05-03" });
    expect(parseDate("05/03/2024", "mdy")).toMatchObject({ iso: "2024-05-03", ambiguous: true, alternative: "2024-03-05" });
  });

  it("settles the order by itself when one number cannot be a month", () => {
    expect(parseDate("13/03/2024", "mdy")).toMatchObject({ iso: "2024-03-13", ambiguous: false });
    expect(parseDate("03/13/2024", "dmy")).toMatchObject({ iso: "2024-03-13", ambiguous: false });
    expect(parseDate("05/05/2024", "mdy")).toMatchObject({ iso: "2024-05-05", ambiguous: false });
  });

  it("reads month-name and year-first spellings the same in either order", () => {
    for (const order of ["dmy", "mdy"] as const) {
      expect(parseDate("2024-03-05", order)).toMatchObject({ iso: "2024-03-05", ambiguous: false });
      expect(parseDate("March 5, 2024", order)).toMatchObject({ iso: "2024-03-05", ambiguous: false });
    }
  });

  it("rejects impossible dates and non-dates", () => {
    expect(parseDate("31/02/2024", "dmy")).toBeUndefined();
    expect(parseDate("30 Feb 2023", "dmy")).toBeUndefined();
    expect(parseDate("Order 12345", "dmy")).toBeUndefined();
    expect(parseDate("13/13/2024", "dmy")).toBeUndefined();
  });
});

describe("parseMoney and parseNumber", () => {
  it.each([
    ["$1,299.00", 1299, "USD"],
    ["1.299,00 EUR", 1299, "EUR"],
    ["£ 12,345.67", 12345.67, "GBP"],
    ["USD 99", 99, "USD"],
    ["€1.234.567,89", 1234567.89, "EUR"],
    ["12 345,67 €", 12345.67, "EUR"],
    ["CHF 1'299.50", 1299.5, "CHF"],
    ["US$ 45.5", 45.5, "USD"],
    ["C$20", 20, "CAD"],
    ["¥12,000", 12000, "JPY"],
    ["₹ 4,999", 4999, "INR"],
    ["99,95 EUR", 99.95, "EUR"],
    ["1,299", 1299, undefined],
    ["1.299", 1299, undefined],
    ["0.99", 0.99, undefined],
  ])("reads %s", (text, amount, currency) => {
    expect(parseMoney(text)).toMatchObject({ amount, currency });
  });

  it("does not read a column header or an unknown code as a currency", () => {
    expect(parseMoney("QTY 3")).toBeUndefined();
    expect(findMoney("Total 10.00 ABC")).toEqual([{ amount: 10, currency: undefined, text: "10.00 ABC" }]);
  });

  it("does not split dates or long numbers into amounts", () => {
    expect(findMoney("05.03.2024").map((m) => m.amount)).toEqual([]);
    expect(parseNumber("1,2,3a")).toBeUndefined();
    expect(parseNumber("1.234.567")).toBe(1234567);
  });
});

describe("extractInvoiceFields", () => {
  it("prefers the invoice date label over due and delivery dates", () => {
    const fields = extractInvoiceFields(lines("Shop", "Due Date: 04/04/2024   Invoice Date: 05/03/2024", "Delivery date 2024-03-09"), { dateOrder: "dmy" });
    expect(fields.invoiceDate?.value).toBe("2024-03-05");
  });

  it("falls back to the first date that is not a due date", () => {
    const fields = extractInvoiceFields(lines("Shop", "Payment due 2024-04-01", "Berlin, 2024-03-02"), { dateOrder: "dmy" });
    expect(fields.invoiceDate?.value).toBe("2024-03-02");
  });

  it.each([
    ["Invoice No: INV-2024-0042", "INV-2024-0042"],
    ["Invoice Number 2024/118", "2024/118"],
    ["INVOICE #A-77", "A-77"],
    ["Inv. No. 5531.", "5531"],
    ["Rechnungsnummer: RE-1002", "RE-1002"],
    ["Receipt ID: R9X8", "R9X8"],
  ])("reads the invoice number from %s", (text, id) => {
    expect(extractInvoiceFields(lines("Shop Ltd", text), { dateOrder: "dmy" }).invoiceId?.value).toBe(id);
  });

  it("picks the total over subtotal and tax, and its currency", () => {
    const fields = extractInvoiceFields(
      lines("Shop Ltd", "Subtotal   $1,000.00", "Total VAT   $200.00", "Total (incl. VAT)   $1,200.00", "Amount paid   $1,200.00"),
      { dateOrder: "dmy" },
    );
    expect(fields.total?.value).toBe(1200);
    expect(fields.currency?.value).toBe("USD");
  });

  it("takes the vendor from a label, else from a company name near the top", () => {
    expect(extractInvoiceFields(lines("INVOICE", "Sold by: Best Gadgets", "Invoice No: 1"), { dateOrder: "dmy" }).vendorName?.value).toBe("Best Gadgets");
    expect(extractInvoiceFields(lines("TAX INVOICE", "www.shop.example", "Page 1 of 1", "Contoso Pty Ltd", "1 Main St"), { dateOrder: "dmy" }).vendorName?.value).toBe(
      "Contoso Pty Ltd",
    );
  });

  it("reports nothing rather than guessing from an empty document", () => {
    expect(extractInvoiceFields([], { dateOrder: "dmy" })).toEqual({
      vendorName: undefined, invoiceId: undefined, invoiceDate: undefined, total: undefined, currency: undefined, lineItems: [], language: undefined,
    });
  });
});

describe("extractLineItems", () => {
  it("reads quantity, unit price and amount columns until the totals", () => {
    const items = extractLineItems(lines("Description   Qty   Unit Price   Amount", "Oven OV-1   2   €300,00   €600,00", "Tray   1   €9,50   €9,50", "Total   €609,50"));
    expect(items).toEqual([
      { description: "Oven OV-1", quantity: 2, unitPrice: 300, amount: 600 },
      { description: "Tray", quantity: 1, unitPrice: 9.5, amount: 9.5 },
    ]);
  });

  it("reads single-spaced OCR rows by their trailing numbers", () => {
    expect(extractLineItems(lines("Item Qty Amount", "Kettle K2 1 $25.00", "Subtotal $25.00"))).toEqual([
      { description: "Kettle K2", quantity: 1, unitPrice: undefined, amount: 25 },
    ]);
  });

  it("finds no items without a table header", () => {
    expect(extractLineItems(lines("Kettle   1   $25.00"))).toEqual([]);
  });
});
