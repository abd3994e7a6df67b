export type { OutboxRelay, OutboxRelayOptions } from "./relay.ts";
export { enqueueOutbox, startOutboxRelay } from "./relay.ts";
