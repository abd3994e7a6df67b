import type { DeadLetterSelector } from "../bus/index.ts";
import { AppError } from "../errors/index.ts";

/** What an operator names: ids, a cause (error code), or everything. */
export interface SelectorInput {
  readonly ids?: readonly string[];
  readonly cause?: string;
  readonly all?: boolean;
}

/**
 * Turns exactly one of ids / cause / all into a selector. `allowCause` is false for purge,
 * which takes ids or all only. `SELECTOR_INVALID` (422) otherwise.
 */
export function parseSelector(input: SelectorInput, options: { readonly allowCause: boolean }): DeadLetterSelector {
  const ids = input.ids ?? [];
  const given = [ids.length > 0, input.cause !== undefined, input.all === true].filter(Boolean).length;
  const choices = options.allowCause ? "message ids, a cause, or all" : "message ids or all";
  if (given !== 1) throw invalid(`name exactly one of: ${choices}`);
  if (input.cause !== undefined) {
    if (!options.allowCause) throw invalid(`purge takes ${choices}, not a cause`);
    if (input.cause.trim() === "") throw invalid("the cause must be an error code");
    return { kind: "cause", code: input.cause };
  }
  if (input.all === true) return { kind: "all" };
  return { kind: "ids", ids: [...ids] };
}

function invalid(message: string): AppError {
  return new AppError("SELECTOR_INVALID", message, { status: 422 });
}
