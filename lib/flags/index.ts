/**
 * Feature flags kept in the database, and a per-process evaluator that caches them for at most a
 * few seconds, so a flip reaches every instance without a restart.
 */

export type { Flag, FlagChange, FlagStore } from "./store.ts";
export { DATA_TRANSFORMATION_FLAG, createFlagStore } from "./store.ts";
export type { FlagEvaluator, FlagEvaluatorOptions } from "./evaluator.ts";
export { MAX_FLAG_TTL_MS, createFlagEvaluator } from "./evaluator.ts";
