/**
 * The transactional outbox: enqueue a message in the same transaction as the change it announces,
 * and the relay that publishes it to the bus afterwards.
 */

export type { OutboxRelay, OutboxRelayOptions } from "./relay.ts";
export { enqueueOutbox, startOutboxRelay } from "./relay.ts";
