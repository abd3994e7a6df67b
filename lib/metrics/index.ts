export { createMetrics } from "./metrics.ts";
export type { DepthReader, Metrics, MetricsOptions } from "./metrics.ts";
