/**
 * Liveness and readiness: checks each service registers, and the small ops server that serves
 * them with the metrics.
 */

export { READINESS, createHealth } from "./health.ts";
export type { CheckResult, Health, HealthCheck, HealthOptions, Readiness, ReadinessReport } from "./health.ts";
export { startOpsServer } from "./ops-server.ts";
export type { OpsServer, OpsServerOptions } from "./ops-server.ts";
