import type { Envelope } from "../bus/index.ts";
import type { MessagePayloads } from "./payloads.ts";

/** Every work queue. A new queue is declared here, and its message types routed to it below. */
export const QUEUES = {
  registration: "registration",
  importChunk: "import-chunk",
  importFinalise: "import-finalise",
  ocr: "ocr",
  chat: "chat",
} as const;

/** The name of one work queue. */
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Every queue, in the order operators see them (dead-letter console, `queues` of a service). */
export const QUEUE_NAMES: readonly QueueName[] = Object.values(QUEUES);

/** Broadcast topics: every live subscriber (one per process instance) gets its own copy. */
export const TOPICS = {
  chatFanout: "chat-fanout",
} as const;

/** The name of one broadcast topic. */
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** A message type: one schema file `schemas/messages/<type>.v<n>.json` each. */
export type MessageType = keyof MessagePayloads;

type Route = { readonly queue: QueueName } | { readonly topic: TopicName };

/**
 * Where each message type travels. `satisfies` makes a schema without a route, or a route
 * without a schema, a type error, so this list and schemas/messages cannot differ.
 */
export const MESSAGE_ROUTES = {
  "registration.submitted": { queue: QUEUES.registration },
  "import.chunk": { queue: QUEUES.importChunk },
  "import.finalise": { queue: QUEUES.importFinalise },
  "ocr.requested": { queue: QUEUES.ocr },
  "chat.send": { queue: QUEUES.chat },
  "chat.stored": { topic: TOPICS.chatFanout },
  "chat.participants-changed": { topic: TOPICS.chatFanout },
} as const satisfies { readonly [T in MessageType]: Route };

type Routes = typeof MESSAGE_ROUTES;

/** Message types published to a work queue. */
export type QueuedType = { [T in MessageType]: Routes[T] extends { readonly queue: QueueName } ? T : never }[MessageType];

/** Message types broadcast on a topic. */
export type BroadcastType = Exclude<MessageType, QueuedType>;

/** The message types a queue carries. */
export type TypesOnQueue<Q extends QueueName> = { [T in MessageType]: Routes[T] extends { readonly queue: Q } ? T : never }[MessageType];

/** The message types a topic carries. */
export type TypesOnTopic<P extends TopicName> = { [T in MessageType]: Routes[T] extends { readonly topic: P } ? T : never }[MessageType];

/** An envelope whose `type` names its payload; a union of types gives a union narrowed by `type`. */
export type Message<T extends MessageType = MessageType> = T extends MessageType
  ? Envelope<MessagePayloads[T]> & { readonly type: T }
  : never;

/** The queue a message type is published to. */
export function queueOf(type: QueuedType): QueueName {
  return MESSAGE_ROUTES[type].queue;
}

/** The topic a message type is broadcast on. */
export function topicOf(type: BroadcastType): TopicName {
  return MESSAGE_ROUTES[type].topic;
}

/** True when `message.type` is one of `types`; the one place an envelope's payload type is narrowed. */
export function isMessageOf<T extends MessageType>(message: Envelope, types: readonly T[]): message is Message<T> {
  return (types as readonly string[]).includes(message.type);
}

/** The message types routed to a queue or topic, at run time. */
export function typesRoutedTo(channel: { readonly queue: QueueName } | { readonly topic: TopicName }): MessageType[] {
  return (Object.keys(MESSAGE_ROUTES) as MessageType[]).filter((type) => {
    const route: Route = MESSAGE_ROUTES[type];
    return "queue" in channel ? "queue" in route && route.queue === channel.queue : "topic" in route && route.topic === channel.topic;
  });
}
