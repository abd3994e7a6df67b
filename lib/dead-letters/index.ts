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
