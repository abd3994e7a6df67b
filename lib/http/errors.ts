import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import type { AppEnv } from "./context.ts";

/** The body of every error response. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };
}

/** Seconds a client is told to wait after a retryable 503. */
const RETRY_AFTER_SECONDS = 5;

const HTTP_CODES: Readonly<Record<number, string>> = {
  400: "BAD_REQUEST",
  401: "AUTH_REQUIRED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  408: "REQUEST_TIMEOUT",
  413: "BODY_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
  503: "UNAVAILABLE",
};

/** Builds an error body; `details` is left out when there are none. */
export function errorBody(code: string, message: string, details?: Readonly<Record<string, unknown>>): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/**
 * The app's error handler. AppErrors keep their code and status; Hono's HTTPExceptions get a
 * code from their status; a body that is not JSON is the client's 400; anything else is a 500
 * whose details stay in the log (found by correlation id), never in the response.
 */
export function onError(fallbackLogger: Logger): ErrorHandler<AppEnv> {
  return (error, c) => {
    const logger = c.get("logger") ?? fallbackLogger;
    if (error instanceof AppError) {
      if (error.status >= 500) logger.error({ err: error, code: error.code }, "request failed");
      if (error.retryable && error.status === 503) c.header("retry-after", String(RETRY_AFTER_SECONDS));
      return reply(c, error.status, errorBody(error.code, error.message, error.details));
    }
    if (error instanceof HTTPException) {
      if (error.res) return error.res;
      const code = HTTP_CODES[error.status] ?? `HTTP_${error.status}`;
      if (error.status >= 500) logger.error({ err: error, code }, "request failed");
      return reply(c, error.status, errorBody(code, error.message || code.toLowerCase().replaceAll("_", " ")));
    }
    // `c.req.json()` is the only JSON.parse on the request path, so a SyntaxError is the body's fault.
    if (error instanceof SyntaxError) {
      return reply(c, 400, errorBody("BODY_INVALID_JSON", "request body is not valid JSON"));
    }
    logger.error({ err: error }, "unexpected error");
    return reply(c, 500, errorBody("INTERNAL", "internal error"));
  };
}

/** Answers unmatched routes with a `NOT_FOUND` error body. */
export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
  reply(c, 404, errorBody("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`));

function reply(c: Context<AppEnv>, status: number, body: ErrorBody): Response {
  const safe = status >= 400 && status <= 599 ? status : 500;
  return c.json(body, safe as ContentfulStatusCode);
}
