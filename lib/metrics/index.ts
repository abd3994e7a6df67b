/**
 * Prometheus metrics: the registry a service exposes, with bus, pool and health gauges.
 */

export { createMetrics } from "./metrics.ts";
export type { DepthReader, HealthReader, Metrics, MetricsOptions, PoolUsage } from "./metrics.ts";
