/**
 * Month names and abbreviations of English, German, French, Dutch, Spanish, Italian and
 * Portuguese, folded (lower case, no accents) as {@link fold} leaves them. Where languages
 * share a spelling they agree on the month ("mar", "mai", "set"), so one table serves all.
 */
const NAMES: readonly (readonly string[])[] = [
  ["january", "jan", "januar", "janner", "jaenner", "janvier", "janv", "januari", "enero", "ene", "gennaio", "gen", "janeiro"],
  ["february", "feb", "febr", "februar", "fevrier", "fevr", "fev", "februari", "febrero", "febbraio", "fevereiro"],
  ["march", "mar", "marz", "maerz", "mrz", "mars", "maart", "mrt", "marzo", "marco"],
  ["april", "apr", "avril", "avr", "abril", "abr", "aprile"],
  ["may", "mai", "mei", "mayo", "maggio", "mag", "maio"],
  ["june", "jun", "juni", "juin", "junio", "giugno", "giu", "junho"],
  ["july", "jul", "juli", "juillet", "juil", "julio", "luglio", "lug", "julho"],
  ["august", "aug", "aout", "augustus", "agosto", "ago"],
  ["september", "sep", "sept", "septembre", "septiembre", "setiembre", "settembre", "set", "setembro"],
  ["october", "oct", "oktober", "okt", "octobre", "octubre", "ottobre", "ott", "outubro", "out"],
  ["november", "nov", "novembre", "noviembre", "novembro"],
  ["december", "dec", "dezember", "dez", "decembre", "diciembre", "dic", "dicembre", "dezembro"],
];

const BY_NAME: ReadonlyMap<string, number> = new Map(NAMES.flatMap((names, i) => names.map((n) => [n, i + 1] as const)));

/**
 * A regex source matching any month name (folded), longest first so "marzo" is not read as
 * "mar" + "zo"; the caller adds its own boundaries.
 */
export const MONTH_NAME_SOURCE = [...BY_NAME.keys()].toSorted((a, b) => b.length - a.length).join("|");

/** The month number (1–12) of a folded month name, or undefined. */
export function monthNumber(folded: string): number | undefined {
  return BY_NAME.get(folded.replace(/\.$/, ""));
}
