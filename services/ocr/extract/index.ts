export type { DateOrder, ParsedDate } from "./dates.ts";
export { DATE_ORDERS, findDates, parseDate } from "./dates.ts";
export type { ParsedMoney } from "./money.ts";
export { currencyCode, findMoney, parseMoney, parseNumber } from "./money.ts";
export type { ExtractOptions } from "./fields.ts";
export { extractInvoiceFields } from "./fields.ts";
export { extractLineItems } from "./line-items.ts";
export type { ExtractedField, InvoiceFields, LineItem, TextLine } from "./types.ts";
export { COLUMN_GAP } from "./types.ts";
