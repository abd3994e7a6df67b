import { AppError } from "../../../lib/errors/index.ts";

/**
 * An error whose message is meant for the caller: a hub method that throws one sends its
 * message verbatim in the Completion. Any other exception is logged and masked, so internals
 * (SQL, stack traces, host names) never reach a client.
 */
export class HubError extends AppError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(options.code ?? "HUB_ERROR", message, { status: 400, cause: options.cause });
    this.name = "HubError";
  }
}
