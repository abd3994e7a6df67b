/**
 * The operator's dead-letter console: list dead letters by queue and cause, then replay or
 * discard a selection, audited. Used by the admin API and `warranty-hub dlq`.
 */

export type {
  CauseGroup,
  DeadLetterAction,
  DeadLetterConsole,
  DeadLetterConsoleDeps,
  DeadLetterDetail,
  DeadLetterItem,
  DeadLetterListing,
  Operator,
  QueueSummary,
} from "./console.ts";
export { createDeadLetterConsole } from "./console.ts";
export type { SelectorInput } from "./selector.ts";
export { parseSelector } from "./selector.ts";
