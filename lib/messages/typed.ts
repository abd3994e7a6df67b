import { createEnvelope } from "../bus/index.ts";
import type { Bus, Envelope, MessageContext, MessageHandler } from "../bus/index.ts";
import { AppError } from "../errors/index.ts";
import { isMessageOf, queueOf, topicOf, typesRoutedTo } from "./catalogue.ts";
import type { BroadcastType, Message, MessageType, QueueName, QueuedType, TopicName, TypesOnQueue, TypesOnTopic } from "./catalogue.ts";
import type { MessagePayloads } from "./payloads.ts";

/** Envelope fields a caller may set; the rest come from the catalogue. */
export interface MessageOptions {
  /** Carried from the request or message that caused this one. */
  readonly correlationId?: string | undefined;
  readonly id?: string;
}

/** Builds an envelope of a catalogued type; the payload must be that type's payload. */
export function createMessage<T extends MessageType>(type: T, payload: MessagePayloads[T], options: MessageOptions = {}): Message<T> {
  const { correlationId, id } = options;
  return createEnvelope(type, payload, { ...(correlationId ? { correlationId } : {}), ...(id ? { id } : {}) }) as Message<T>;
}

/**
 * Publishes to the queue the catalogue routes `type` to. `transient` skips the broker's disk
 * write where a lost message is covered otherwise (the sender times out and retries).
 */
export function publish<T extends QueuedType>(
  bus: Pick<Bus, "publish">,
  type: T,
  payload: MessagePayloads[T],
  options: MessageOptions & { readonly transient?: boolean } = {},
): Promise<void> {
  const message = createMessage(type, payload, options);
  return options.transient === true ? bus.publish(queueOf(type), message, { transient: true }) : bus.publish(queueOf(type), message);
}

/**
 * Broadcasts on the topic the catalogue routes `type` to. `confirm: false` does not wait for
 * the broker, for fan-outs whose loss the receivers repair themselves (chat catch-up).
 */
export function broadcast<T extends BroadcastType>(
  bus: Pick<Bus, "broadcast">,
  type: T,
  payload: MessagePayloads[T],
  options: MessageOptions & { readonly confirm?: boolean } = {},
): Promise<void> {
  const message = createMessage(type, payload, options);
  return options.confirm === false ? bus.broadcast(topicOf(type), message, { confirm: false }) : bus.broadcast(topicOf(type), message);
}

/** A handler that sees only the message types its queue carries, typed. */
export type QueueHandler<Q extends QueueName> = (message: Message<TypesOnQueue<Q>>, ctx: MessageContext) => Promise<void>;

/**
 * Adapts a typed handler to the bus. The bus has already checked the payload against the
 * schema of its type; this checks the type belongs on the queue, and dead-letters
 * (MESSAGE_TYPE_UNEXPECTED, not retryable) a message that does not.
 */
export function handleQueue<Q extends QueueName>(queue: Q, handler: QueueHandler<Q>): MessageHandler {
  const types = typesRoutedTo({ queue }) as TypesOnQueue<Q>[];
  return async (message, ctx) => {
    if (!isMessageOf(message, types)) {
      throw new AppError("MESSAGE_TYPE_UNEXPECTED", `queue ${queue} does not carry ${message.type} messages`, {
        status: 422,
        details: { queue, type: message.type, expected: types },
      });
    }
    await handler(message, ctx);
  };
}

/** Adapts a typed broadcast handler; types the topic does not carry are ignored. */
export function handleTopic<P extends TopicName>(
  topic: P,
  handler: (message: Message<TypesOnTopic<P>>) => void,
): (message: Envelope) => void {
  const types = typesRoutedTo({ topic }) as TypesOnTopic<P>[];
  return (message) => {
    if (isMessageOf(message, types)) handler(message);
  };
}
