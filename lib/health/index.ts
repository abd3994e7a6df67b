export { READINESS, createHealth } from "./health.ts";
export type { CheckResult, Health, HealthCheck, HealthOptions, Readiness, ReadinessReport } from "./health.ts";
export { startOpsServer } from "./ops-server.ts";
export type { OpsServer, OpsServerOptions } from "./ops-server.ts";
