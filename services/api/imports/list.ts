import type { ValidInput } from "../../../lib/http/index.ts";
import { principalOf } from "../../../lib/http/index.ts";
import { listJobs } from "../../../lib/imports/index.ts";
import type { ImportJobView } from "../../../lib/imports/index.ts";
import type { PoolRouteDeps, RouteModule } from "../route-module.ts";

type ListQuery = {
  status?: ImportJobView["status"];
  dryRun?: boolean;
  createdBy?: string;
  cursor?: string;
  limit?: number;
};

/** `GET /api/v1/imports`: the import jobs a caller may read, newest first, a page at a time. */
export function importListRoutes(deps: PoolRouteDeps): RouteModule {
  const { pool } = deps;
  return (registry) => {
    registry.add<ValidInput<undefined, ListQuery>>({
      method: "get",
      path: "/api/v1/imports",
      operationId: "listImports",
      summary: "Import jobs, newest first, with filters and a cursor",
      description: "Super admins see every job; a brand admin sees the jobs they uploaded, as with `GET /imports/{id}`.",
      tags: ["imports"],
      roles: ["super_admin", "brand_admin"],
      request: { query: "import-list-query.json" },
      responses: { 200: { description: "A page of jobs", schema: "import-list.json" } },
      handler: async (c, input) => {
        const principal = principalOf(c);
        const { createdBy, limit, ...rest } = input.query;
        const owner = principal.role === "super_admin" ? createdBy : principal.subject;
        return c.json(await listJobs(pool, { ...rest, ...(owner === undefined ? {} : { createdBy: owner }), limit: limit ?? 50 }));
      },
    });
  };
}
