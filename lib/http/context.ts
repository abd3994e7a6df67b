import type { Context } from "hono";
import type { Principal } from "../auth/index.ts";
import { AppError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";

/** What the shared middleware puts on every request's context. */
export interface AppVariables {
  /** A child of the app logger carrying `correlationId`. */
  logger: Logger;
  correlationId: string;
  /** Set by `requireRole` on routes that need a token. */
  principal: Principal | undefined;
  /** Set by the validation middleware of a registered route. */
  input: ValidInput | undefined;
}

/** The request parts after validation; query and params coerced to their declared types. */
export interface ValidInput<B = unknown, Q = Record<string, unknown>, P = Record<string, unknown>> {
  readonly body: B;
  readonly query: Q;
  readonly params: P;
}

/** The Hono environment of every app built on lib/http. */
export type AppEnv = { Variables: AppVariables };

/** The caller of a route guarded by `requireRole`; throws `AUTH_REQUIRED` on a public route. */
export function principalOf(c: Context<AppEnv>): Principal {
  const principal = c.get("principal");
  if (principal === undefined) {
    throw new AppError("AUTH_REQUIRED", "a bearer token is required", { status: 401 });
  }
  return principal;
}
