import type { Health } from "../../../lib/health/index.ts";
import type { Metrics } from "../../../lib/metrics/index.ts";
import type { RouteModule } from "../route-module.ts";

const NO_STORE = { "cache-control": "no-store" };

/** The probes behind readiness, and the registry `/metrics` renders. */
export interface HealthRouteDeps {
  readonly health: Health;
  readonly metrics: Metrics;
}

/** `/health/live`, `/health/ready` and `/metrics`: what the orchestrator and Prometheus poll. */
export function healthRoutes(deps: HealthRouteDeps): RouteModule {
  return (registry) => {
    registry.add({
      method: "get",
      path: "/health/live",
      operationId: "getLiveness",
      summary: "Liveness: the process answers",
      tags: ["ops"],
      responses: { 200: { description: "Alive", schema: "health-live.json" } },
      handler: (c) => c.json(deps.health.live(), 200, NO_STORE),
    });
    registry.add({
      method: "get",
      path: "/health/ready",
      operationId: "getReadiness",
      summary: "Readiness: every dependency answers and the process is not draining",
      description: "The rolling update waits for 200 here before sending traffic; 503 while a check fails or during shutdown.",
      tags: ["ops"],
      responses: {
        200: { description: "Ready", schema: "health-ready.json" },
        503: { description: "Not ready or draining; `checks` says which dependency failed", schema: "health-ready.json" },
      },
      handler: async (c) => {
        const report = await deps.health.ready();
        return c.json(report, report.status === "ready" ? 200 : 503, NO_STORE);
      },
    });
    registry.add({
      method: "get",
      path: "/metrics",
      operationId: "getMetrics",
      summary: "Prometheus metrics of this process",
      tags: ["ops"],
      responses: { 200: { description: "Prometheus text exposition", contentType: "text/plain" } },
      handler: async (c) => {
        const { contentType, body } = await deps.metrics.render();
        return c.body(body, 200, { ...NO_STORE, "content-type": contentType });
      },
    });
  };
}
