import { listAudit } from "../../../lib/audit/index.ts";
import type { ValidInput } from "../../../lib/http/index.ts";
import type { PoolRouteDeps, RouteModule } from "../route-module.ts";

type AuditQuery = { action?: string; actor?: string; target?: string; cursor?: string; limit?: number };

/** `GET /api/v1/admin/audit-log`: what operators and admins changed, newest first. */
export function auditLogRoutes(deps: PoolRouteDeps): RouteModule {
  const { pool } = deps;
  return (registry) => {
    registry.add<ValidInput<undefined, AuditQuery>>({
      method: "get",
      path: "/api/v1/admin/audit-log",
      operationId: "listAuditLog",
      summary: "The audit log, newest first, filtered by action, actor or target, a page at a time",
      description: "Dead-letter replays and purges, flag changes and transformation script versions, with who, when and the outcome.",
      tags: ["operations"],
      roles: ["operator", "super_admin"],
      request: { query: "audit/query.json" },
      responses: { 200: { description: "A page of entries", schema: "audit/list.json" } },
      handler: async (c, input) => c.json(await listAudit(pool, { ...input.query, limit: input.query.limit ?? 50 })),
    });
  };
}
