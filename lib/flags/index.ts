export type { Flag, FlagChange, FlagStore } from "./store.ts";
export { DATA_TRANSFORMATION_FLAG, createFlagStore } from "./store.ts";
export type { FlagEvaluator, FlagEvaluatorOptions } from "./evaluator.ts";
export { MAX_FLAG_TTL_MS, createFlagEvaluator } from "./evaluator.ts";
