export { createMetrics } from "./metrics.ts";
export type { DepthReader, HealthReader, Metrics, MetricsOptions } from "./metrics.ts";
