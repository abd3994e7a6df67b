/** An amount found in text with the currency written beside it, if any. */
export interface ParsedMoney {
  readonly amount: number;
  /** ISO 4217 code, or undefined when no symbol or code was written. */
  readonly currency: string | undefined;
  readonly text: string;
}

/** Symbols, longest first so `US$` wins over `$`. A bare `$` is read as USD. */
const SYMBOLS: readonly (readonly [string, string])[] = [
  ["US$", "USD"], ["CA$", "CAD"], ["C$", "CAD"], ["AU$", "AUD"], ["A$", "AUD"], ["NZ$", "NZD"],
  ["$", "USD"], ["€", "EUR"], ["£", "GBP"], ["¥", "JPY"], ["₹", "INR"], ["₩", "KRW"], ["zł", "PLN"], ["kr", "SEK"],
];

/** Codes we accept; a closed list so column headers like `QTY` are never read as currencies. */
const CODES = new Set([
  "USD", "EUR", "GBP", "CHF", "JPY", "CNY", "CAD", "AUD", "NZD", "INR", "SEK", "NOK", "DKK", "PLN", "CZK",
  "HUF", "RON", "BGN", "TRY", "ZAR", "BRL", "MXN", "SGD", "HKD", "KRW", "AED", "SAR", "ILS",
]);

const SYMBOL_RE = "(US\\$|CA\\$|C\\$|AU\\$|A\\$|NZ\\$|\\$|€|£|¥|₹|₩|zł|kr)";
const CODE_RE = "([A-Z]{3})";
// Grouped thousands (`1,299.00`, `1'299`, NBSP), space-grouped only with decimals (`12 345,67`), or plain.
const NUMBER_RE =
  "(?<![\\d.,])(-?\\d{1,3}(?:[.,'’\\u00a0\\u202f]\\d{3})+(?:[.,]\\d{1,2})?|-?\\d{1,3}(?: \\d{3})+[.,]\\d{2}|-?\\d+(?:[.,]\\d{1,2})?)(?![\\d.,]*\\d)";
const MONEY_RE = new RegExp(
  `(?:${SYMBOL_RE}|${CODE_RE})?\\s?${NUMBER_RE}(?:\\s?(?:${SYMBOL_RE}|${CODE_RE}))?`,
  "g",
);

/**
 * Reads a number written with any common separators: `1,299.00`, `1.299,00`, `12 345,67`,
 * `1'299.00`. With both `.` and `,` the last one is the decimal mark; with one kind only, a
 * single mark followed by exactly three digits is a thousands separator (prices with three
 * decimals are rare), anything else is the decimal mark.
 */
export function parseNumber(text: string): number | undefined {
  const cleaned = text.replace(/[\s'’\u00a0\u202f]/g, "");
  if (!/^-?[\d.,]+$/.test(cleaned) || !/\d/.test(cleaned)) return undefined;
  const lastDot = cleaned.lastIndexOf(".");
  const lastComma = cleaned.lastIndexOf(",");
  let decimal: "." | "," | undefined;
  if (lastDot >= 0 && lastComma >= 0) decimal = lastDot > lastComma ? "." : ",";
  else {
    const mark = lastDot >= 0 ? "." : lastComma >= 0 ? "," : undefined;
    if (mark !== undefined) {
      const single = cleaned.indexOf(mark) === cleaned.lastIndexOf(mark);
      const digitsAfter = cleaned.length - cleaned.lastIndexOf(mark) - 1;
      decimal = single && digitsAfter !== 3 ? mark : undefined;
    }
  }
  const thousands = decimal === "." ? /,/g : decimal === "," ? /\./g : /[.,]/g;
  const normal = cleaned.replace(thousands, "").replace(",", ".");
  const value = Number(normal);
  return Number.isFinite(value) ? value : undefined;
}

/** Every amount in `text`, left to right; `currency` comes from a symbol or ISO code on either side. */
export function findMoney(text: string): ParsedMoney[] {
  const found: ParsedMoney[] = [];
  for (const m of text.matchAll(MONEY_RE)) {
    const [whole, preSymbol, preCode, number, postSymbol, postCode] = m;
    const currency =
      symbolCode(preSymbol) ?? knownCode(preCode) ?? symbolCode(postSymbol) ?? knownCode(postCode);
    if ((preCode !== undefined && !knownCode(preCode)) || number === undefined) continue;
    const amount = parseNumber(number);
    if (amount === undefined) continue;
    found.push({ amount, currency, text: whole.trim() });
  }
  return found;
}

/** The first amount in `text` (see {@link findMoney}). */
export function parseMoney(text: string): ParsedMoney | undefined {
  return findMoney(text)[0];
}

/** Maps a currency symbol or code to its ISO 4217 code. */
export function currencyCode(symbolOrCode: string | undefined): string | undefined {
  return symbolCode(symbolOrCode) ?? knownCode(symbolOrCode?.toUpperCase());
}

function symbolCode(symbol: string | undefined): string | undefined {
  if (symbol === undefined) return undefined;
  return SYMBOLS.find(([s]) => s === symbol)?.[1];
}

function knownCode(code: string | undefined): string | undefined {
  return code !== undefined && CODES.has(code) ? code : undefined;
}
