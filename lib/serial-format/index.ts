/**
 * Per-brand serial number formats: a small mask language checked in linear time on every
 * registration.
 */

import { AppError } from "../errors/index.ts";

/**
 * Serial-number formats are masks, not regular expressions: `#` is a digit, `@` a letter,
 * `*` a letter or digit, any of `A-Z a-z 0-9 - _ . /` and space is itself, `\` makes the
 * next mask character literal, and `{n}` or `{n,m}` after a token repeats it. Matching
 * ignores case and runs in time linear in the serial's length for every mask, because an
 * admin-supplied mask is checked on every registration (a backtracking RegExp of seven
 * `*{1,64}` groups froze the API on a 100-character serial).
 * Example: `SN-#{4}-@@*{0,3}` matches `SN-2024-AB7`.
 */
export interface SerialFormat {
  readonly source: string;
  matches(serial: string): boolean;
}

/** Longest format accepted; masks are short in practice. */
export const MAX_SERIAL_FORMAT_LENGTH = 100;
/** Longest serial a mask is tried against; a longer one never matches. */
export const MAX_SERIAL_LENGTH = 256;
const MAX_REPEAT = 64;

/** One mask token: which characters it accepts and how many times in a row. */
interface Token {
  readonly accepts: (code: number) => boolean;
  readonly min: number;
  readonly max: number;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const CLASSES: Readonly<Record<string, (code: number) => boolean>> = {
  "#": isDigit,
  "@": isLetter,
  "*": (c) => isDigit(c) || isLetter(c),
};
const LITERAL = /[A-Za-z0-9\-_./ ]/;

/** Compiles a mask; throws `SERIAL_FORMAT_INVALID` (422) naming the position of the problem. */
export function compileSerialFormat(source: string): SerialFormat {
  if (source.length === 0 || source.length > MAX_SERIAL_FORMAT_LENGTH) {
    throw invalid(source, `must be 1 to ${MAX_SERIAL_FORMAT_LENGTH} characters`);
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const char = source[i] ?? "";
    let accepts: (code: number) => boolean;
    if (char === "\\") {
      const next = source[i + 1];
      if (next === undefined) throw invalid(source, "ends with a lone \\");
      accepts = literal(next);
      i += 2;
    } else if (CLASSES[char]) {
      accepts = CLASSES[char];
      i += 1;
    } else if (LITERAL.test(char)) {
      accepts = literal(char);
      i += 1;
    } else {
      throw invalid(source, `character ${JSON.stringify(char)} at position ${i + 1} is not allowed`);
    }
    const repeat = /^\{(\d{1,2})(?:,(\d{1,2}))?\}/.exec(source.slice(i));
    let min = 1;
    let max = 1;
    if (repeat) {
      min = Number(repeat[1]);
      max = repeat[2] === undefined ? min : Number(repeat[2]);
      if (max < min || max > MAX_REPEAT || max === 0) {
        throw invalid(source, `repetition ${repeat[0]} at position ${i + 1} must be {n} or {n,m} with n ≤ m ≤ ${MAX_REPEAT}`);
      }
      i += repeat[0].length;
    }
    tokens.push({ accepts, min, max });
  }
  return { source, matches: (serial) => serial.length <= MAX_SERIAL_LENGTH && matchTokens(tokens, serial) };
}

/** Returns the problem with a mask as text, or undefined when it compiles. */
export function serialFormatProblem(source: string): string | undefined {
  try {
    compileSerialFormat(source);
    return undefined;
  } catch (error) {
    return error instanceof AppError ? error.message : String(error);
  }
}

/**
 * Tracks the set of serial positions reachable after each token instead of backtracking:
 * from position p a token reaches p+min … p+min(max, run), where run is how many characters
 * from p it accepts. Each token costs O(length), so a match is O(tokens × length).
 */
function matchTokens(tokens: readonly Token[], serial: string): boolean {
  const length = serial.length;
  let reachable = new Uint8Array(length + 1);
  reachable[0] = 1;
  const run = new Int32Array(length + 1);
  const starts = new Int32Array(length + 2);
  for (const token of tokens) {
    for (let p = length - 1; p >= 0; p -= 1) run[p] = token.accepts(serial.charCodeAt(p)) ? (run[p + 1] ?? 0) + 1 : 0;
    run[length] = 0;
    starts.fill(0);
    let any = false;
    for (let p = 0; p <= length; p += 1) {
      const longest = Math.min(token.max, run[p] ?? 0);
      if (reachable[p] !== 1 || longest < token.min) continue;
      starts[p + token.min] = (starts[p + token.min] ?? 0) + 1;
      starts[p + longest + 1] = (starts[p + longest + 1] ?? 0) - 1;
      any = true;
    }
    if (!any) return false;
    const next = new Uint8Array(length + 1);
    let open = 0;
    for (let p = 0; p <= length; p += 1) {
      open += starts[p] ?? 0;
      if (open > 0) next[p] = 1;
    }
    reachable = next;
  }
  return reachable[length] === 1;
}

/** A literal mask character, compared without regard to case. */
function literal(char: string): (code: number) => boolean {
  const lower = char.toLowerCase().charCodeAt(0);
  const upper = char.toUpperCase().charCodeAt(0);
  return (c) => c === lower || c === upper;
}

function invalid(source: string, problem: string): AppError {
  return new AppError("SERIAL_FORMAT_INVALID", `serial format ${JSON.stringify(source)} ${problem}`, {
    status: 422,
    details: { format: source },
  });
}
