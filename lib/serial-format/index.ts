import { AppError } from "../errors/index.ts";

/**
 * Serial-number formats are masks, not regular expressions, so an admin-supplied format can
 * never backtrack catastrophically: `#` is a digit, `@` a letter, `*` a letter or digit, any
 * of `A-Z a-z 0-9 - _ . /` and space is itself, `\` makes the next mask character literal,
 * and `{n}` or `{n,m}` after a token repeats it. Matching ignores case.
 * Example: `SN-#{4}-@@*{0,3}` matches `SN-2024-AB7`.
 */
export interface SerialFormat {
  readonly source: string;
  matches(serial: string): boolean;
}

/** Longest format accepted; masks are short in practice. */
export const MAX_SERIAL_FORMAT_LENGTH = 100;
const MAX_REPEAT = 64;
const CLASSES: Readonly<Record<string, string>> = { "#": "[0-9]", "@": "[A-Za-z]", "*": "[A-Za-z0-9]" };
const LITERAL = /[A-Za-z0-9\-_./ ]/;

/** Compiles a mask; throws `SERIAL_FORMAT_INVALID` (422) naming the position of the problem. */
export function compileSerialFormat(source: string): SerialFormat {
  if (source.length === 0 || source.length > MAX_SERIAL_FORMAT_LENGTH) {
    throw invalid(source, `must be 1 to ${MAX_SERIAL_FORMAT_LENGTH} characters`);
  }
  let pattern = "";
  let i = 0;
  while (i < source.length) {
    const char = source[i] ?? "";
    let token: string;
    if (char === "\\") {
      const next = source[i + 1];
      if (next === undefined) throw invalid(source, "ends with a lone \\");
      token = escapeRegex(next);
      i += 2;
    } else if (CLASSES[char]) {
      token = CLASSES[char];
      i += 1;
    } else if (LITERAL.test(char)) {
      token = escapeRegex(char);
      i += 1;
    } else {
      throw invalid(source, `character ${JSON.stringify(char)} at position ${i + 1} is not allowed`);
    }
    const repeat = /^\{(\d{1,2})(?:,(\d{1,2}))?\}/.exec(source.slice(i));
    if (repeat) {
      const min = Number(repeat[1]);
      const max = repeat[2] === undefined ? min : Number(repeat[2]);
      if (max < min || max > MAX_REPEAT || max === 0) {
        throw invalid(source, `repetition ${repeat[0]} at position ${i + 1} must be {n} or {n,m} with n ≤ m ≤ ${MAX_REPEAT}`);
      }
      token = `${token}{${min},${max}}`;
      i += repeat[0].length;
    }
    pattern += token;
  }
  const regex = new RegExp(`^${pattern}$`, "i");
  return { source, matches: (serial) => serial.length <= 256 && regex.test(serial) };
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

function escapeRegex(char: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(char) ? `\\${char}` : char;
}

function invalid(source: string, problem: string): AppError {
  return new AppError("SERIAL_FORMAT_INVALID", `serial format ${JSON.stringify(source)} ${problem}`, {
    status: 422,
    details: { format: source },
  });
}
