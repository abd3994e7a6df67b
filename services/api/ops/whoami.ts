import { ROLES } from "../../../lib/auth/index.ts";
import { principalOf } from "../../../lib/http/index.ts";
import type { RouteModule } from "../route-module.ts";

/** `GET /api/v1/whoami`: who the bearer token says the caller is. */
export function whoamiRoutes(): RouteModule {
  return (registry) => {
    registry.add({
      method: "get",
      path: "/api/v1/whoami",
      operationId: "whoami",
      summary: "The caller, as the bearer token names them",
      description: "Lets a client check its token before calling anything else.",
      tags: ["auth"],
      roles: ROLES,
      responses: { 200: { description: "The verified principal", schema: "principal.json" } },
      handler: (c) => c.json(principalOf(c)),
    });
  };
}
