export { createMetrics } from "./metrics.ts";
export type { DepthReader, HealthReader, Metrics, MetricsOptions, PoolUsage } from "./metrics.ts";
