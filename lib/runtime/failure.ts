import { describeError } from "../errors/index.ts";

/**
 * One line for the person at the terminal: what failed, why, and the code, never a stack
 * trace; the structured logs keep the details. Messages are written to say what to do on
 * their first line, so only that line is shown.
 */
export function failureLine(what: string, error: unknown): string {
  const { code, message } = describeError(error);
  const first = message.split("\n").find((line) => line.trim() !== "") ?? "no message";
  return `${what}: ${first.trim()} [${code}]\n`;
}
