/**
 * The message catalogue: every queue, topic and message type, where each type travels, and its
 * payload type generated from schemas/messages. Publish and handle through it so a payload
 * cannot go to the wrong queue or be read as the wrong type.
 */
export type {
  BroadcastType,
  Message,
  MessageType,
  QueueName,
  QueuedType,
  TopicName,
  TypesOnQueue,
  TypesOnTopic,
} from "./catalogue.ts";
export { MESSAGE_ROUTES, QUEUES, QUEUE_NAMES, TOPICS, isMessageOf, queueOf, topicOf, typesRoutedTo } from "./catalogue.ts";
export type {
  ChatParticipantsChanged,
  ChatSend,
  ChatStored,
  ChatStoredMessage,
  ChatStoredParticipants,
  ImportChunk,
  ImportFinalise,
  MessagePayloads,
  OcrRequested,
  RegistrationSubmitted,
} from "./payloads.ts";
export type { MessageOptions, QueueHandler } from "./typed.ts";
export { broadcast, createMessage, handleQueue, handleTopic, publish } from "./typed.ts";
