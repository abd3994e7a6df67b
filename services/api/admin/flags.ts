import { timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import type { TokenVerifier } from "../../../lib/auth/index.ts";
import { AppError } from "../../../lib/errors/index.ts";
import type { FlagStore } from "../../../lib/flags/index.ts";
import type { AppEnv, ValidInput } from "../../../lib/http/index.ts";
import type { RouteModule } from "../route-module.ts";

/** Flag routes accept an operator token or an API key, so they verify tokens themselves. */
export interface FlagRouteDeps {
  readonly store: FlagStore;
  readonly verifyToken: TokenVerifier;
  /** FLAG_API_KEY; when absent only operator tokens are accepted. */
  readonly apiKey: string | undefined;
}

type FlagInput = ValidInput<{ enabled: boolean } | undefined, Record<string, never>, { name: string }>;

const AUTH =
  "Needs a bearer token with the `operator` role, or the flag API key in `x-flag-api-key: <key>` " +
  "(or `Authorization: api-key <key>`). Changes are audited with who, when, the old and the new value.";

/** `GET/PATCH /api/v2/flags/{name}`: read and switch feature flags, for operators and automation. */
export function flagRoutes(deps: FlagRouteDeps): RouteModule {
  return (registry) => {
    registry.add<FlagInput>({
      method: "get",
      path: "/api/v2/flags/:name",
      operationId: "getFlag",
      summary: "A feature flag's current value",
      description: AUTH,
      tags: ["operations"],
      request: { params: "flags/params.json" },
      responses: { 200: { description: "The flag", schema: "flags/flag.json" }, 404: { description: "No such flag", schema: "error.json" } },
      handler: async (c, input) => {
        await callerOf(c, deps);
        const flag = await deps.store.get(input.params.name);
        if (flag === undefined) throw notFound(input.params.name);
        return c.json(flag);
      },
    });
    registry.add<FlagInput>({
      method: "patch",
      path: "/api/v2/flags/:name",
      operationId: "setFlag",
      summary: "Switch a feature flag on or off",
      description: `${AUTH} Every process sees the change within 5 seconds.`,
      tags: ["operations"],
      request: { params: "flags/params.json", body: "flags/patch.json" },
      responses: {
        200: { description: "The flag after the change and its previous value", schema: "flags/change.json" },
        404: { description: "No such flag", schema: "error.json" },
      },
      handler: async (c, input) => {
        const caller = await callerOf(c, deps);
        const enabled = input.body?.enabled ?? false;
        const change = await deps.store.set(input.params.name, enabled, caller.actor, {
          channel: "api",
          via: caller.via,
          correlationId: c.get("correlationId"),
        });
        return c.json(change);
      },
    });
  };
}

/** The API key wins when present (automation); otherwise an operator token is required. */
async function callerOf(c: Context<AppEnv>, deps: FlagRouteDeps): Promise<{ actor: string; via: string }> {
  const authorization = c.req.header("authorization") ?? "";
  const key = c.req.header("x-flag-api-key") ?? /^api-key[ \t]+(\S+)\s*$/i.exec(authorization)?.[1];
  if (key !== undefined) {
    if (deps.apiKey === undefined || !sameSecret(key, deps.apiKey)) {
      throw new AppError("AUTH_INVALID", "the flag API key is not valid", { status: 401 });
    }
    return { actor: "api-key:flags", via: "api-key" };
  }
  const token = /^Bearer[ \t]+(\S+)\s*$/i.exec(authorization)?.[1];
  if (token === undefined) {
    c.header("www-authenticate", 'Bearer realm="warranty-hub"');
    throw new AppError("AUTH_REQUIRED", "an operator bearer token or the flag API key is required", { status: 401 });
  }
  const principal = await deps.verifyToken(token);
  if (principal.role !== "operator") {
    throw new AppError("FORBIDDEN", "this operation needs the operator role or the flag API key", {
      status: 403,
      details: { requiredRoles: ["operator"], role: principal.role },
    });
  }
  return { actor: principal.subject, via: "token" };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function notFound(name: string): AppError {
  return new AppError("FLAG_NOT_FOUND", `there is no feature flag named ${name}`, { status: 404, details: { name } });
}
