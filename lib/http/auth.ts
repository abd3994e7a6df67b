import type { MiddlewareHandler } from "hono";
import type { Role, TokenVerifier } from "../auth/index.ts";
import { AppError } from "../errors/index.ts";
import type { AppEnv } from "./context.ts";

/** Builds role guards around a token verifier. */
export interface Auth {
  /**
   * Requires `Authorization: Bearer <jwt>` whose role is one of `roles`; puts the principal on
   * the context. No token: 401 `AUTH_REQUIRED`; bad token: the verifier's 401; other role: 403.
   */
  requireRole(...roles: readonly Role[]): MiddlewareHandler<AppEnv>;
}

const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;

/** Creates the guards; `verifyToken` comes from lib/auth. */
export function createAuth(verifyToken: TokenVerifier): Auth {
  return {
    requireRole(...roles) {
      if (roles.length === 0) throw new AppError("AUTH_NO_ROLES", "requireRole needs at least one role");
      return async (c, next) => {
        const header = c.req.header("authorization");
        if (header === undefined || header.trim() === "") {
          c.header("www-authenticate", 'Bearer realm="warranty-hub"');
          throw new AppError("AUTH_REQUIRED", "a bearer token is required", { status: 401 });
        }
        const token = BEARER.exec(header)?.[1];
        if (token === undefined) {
          c.header("www-authenticate", 'Bearer realm="warranty-hub", error="invalid_request"');
          throw new AppError("AUTH_REQUIRED", "the Authorization header must be: Bearer <token>", { status: 401 });
        }
        const principal = await verifyToken(token).catch((error: unknown) => {
          c.header("www-authenticate", 'Bearer realm="warranty-hub", error="invalid_token"');
          throw error;
        });
        if (!roles.includes(principal.role)) {
          throw new AppError("FORBIDDEN", `this operation needs one of the roles: ${roles.join(", ")}`, {
            status: 403,
            details: { requiredRoles: [...roles], role: principal.role },
          });
        }
        c.set("principal", principal);
        await next();
      };
    },
  };
}
