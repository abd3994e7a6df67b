/**
 * The transport port: what the bus core needs from a message broker. Each adapter
 * (`amqp.ts`, `postgres.ts`, `service-bus.ts`) implements it in one file, and no driver
 * type appears here. Bodies are opaque strings to a transport; the core owns parsing,
 * validation, retry policy and dead-letter decisions.
 */

/** A stable error description stored with retries and dead letters. */
export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
}

/** What the core hands a transport to send. */
export interface OutgoingMessage {
  /** The envelope id; transports store it as their native message id. */
  readonly messageId: string;
  readonly type: string;
  readonly correlationId: string;
  /** The envelope serialised as JSON. */
  readonly body: string;
  /**
   * The sender's own acknowledgement covers loss (it times out and retries), so the broker
   * need not write the message to disk. Transports without that distinction ignore it.
   */
  readonly transient?: boolean;
}

/** Why and when a message was dead-lettered. */
export interface DeadLetterInfo {
  readonly reason: ErrorInfo;
  /** Attempts made, including the last one. */
  readonly attempts: number;
  readonly firstFailedAt: string;
  readonly lastFailedAt: string;
}

/** One received message. Exactly one of ack, retry or deadLetter settles it. */
export interface Delivery {
  readonly messageId: string;
  readonly body: string;
  /** 1 on the first delivery; a crash-redelivery keeps the number, a retry adds one. */
  readonly attempt: number;
  /** When the first failed attempt happened, if any did. */
  readonly firstFailedAt: string | undefined;
  /** Removes the message for good. */
  ack(): Promise<void>;
  /** Removes this copy and makes the message available again after `delayMs`, as attempt + 1. */
  retry(delayMs: number, error: ErrorInfo): Promise<void>;
  /** Moves the message to the queue's dead letters with the reason. */
  deadLetter(info: DeadLetterInfo): Promise<void>;
}

/** A dead-lettered message as operators see it. */
export interface DeadLetter extends DeadLetterInfo {
  readonly messageId: string;
  readonly queue: string;
  /** The body exactly as it was published, even when it is not valid JSON. */
  readonly body: string;
}

/** Which dead letters an operation applies to. */
export type DeadLetterSelector =
  | { readonly kind: "ids"; readonly ids: readonly string[] }
  | { readonly kind: "cause"; readonly code: string }
  | { readonly kind: "all" };

/** Messages waiting in a queue and in its dead letters. */
export interface QueueDepth {
  readonly ready: number;
  readonly deadLettered: number;
}

/** A running consumer. */
export interface TransportSubscription {
  /** Stops taking messages, waits until deliveries in flight are settled, then releases. */
  close(): Promise<void>;
}

/** Options for {@link Transport.consume}. */
export interface TransportConsumeOptions {
  /** Most deliveries handed out and not yet settled at once. */
  readonly prefetch: number;
}

/**
 * Optional fan-out: every live subscriber of a topic (one per process instance) gets its own
 * copy. Not durable: a subscriber that is not connected when a message is broadcast never sees
 * it, so callers must be able to catch up from their own store.
 */
export interface BroadcastCapability {
  /**
   * Resolves once the broker has accepted the message for every current subscriber; with
   * `confirm: false`, once it is handed to the connection (callers that catch up from their
   * own store do not need the broker's word).
   */
  broadcast(topic: string, body: string, options?: { readonly confirm?: boolean }): Promise<void>;
  /**
   * Subscribes this instance; `instanceId` names its queue/subscription. The subscription
   * survives broker reconnects (messages broadcast while disconnected are missed).
   */
  subscribeBroadcast(topic: string, instanceId: string, onMessage: (body: string) => void): Promise<TransportSubscription>;
}

/** A message broker as the bus core sees it. */
export interface Transport extends Partial<BroadcastCapability> {
  /** `amqp`, `postgres` or `service-bus`; used in logs and metrics. */
  readonly name: string;
  /** Resolves once the broker has durably accepted the message; rejects otherwise. */
  send(queue: string, message: OutgoingMessage): Promise<void>;
  consume(
    queue: string,
    onDelivery: (delivery: Delivery) => Promise<void>,
    options: TransportConsumeOptions,
  ): Promise<TransportSubscription>;
  depth(queue: string): Promise<QueueDepth>;
  listDeadLetters(queue: string, options: { readonly limit: number }): Promise<DeadLetter[]>;
  getDeadLetter(queue: string, messageId: string): Promise<DeadLetter | undefined>;
  /** Sends the selected dead letters back to their queue with their ids kept; returns the ids. */
  replayDeadLetters(queue: string, selector: DeadLetterSelector): Promise<string[]>;
  /** Deletes the selected dead letters; returns the ids. */
  purgeDeadLetters(queue: string, selector: DeadLetterSelector): Promise<string[]>;
  /** Rejects when the broker cannot be reached; used by readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
