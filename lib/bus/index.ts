/**
 * The message bus port and its three transports (PostgreSQL, RabbitMQ, Azure Service Bus), one
 * contract for all of them; `transport-kit.ts` holds the plumbing they share. What travels on it
 * is named in lib/messages.
 */

export type {
  BroadcastCapability,
  DeadLetter,
  DeadLetterInfo,
  DeadLetterSelector,
  Delivery,
  ErrorInfo,
  OutgoingMessage,
  QueueDepth,
  Transport,
  TransportConsumeOptions,
  TransportSubscription,
} from "./port.ts";
export type { Envelope } from "./envelope.ts";
export { createEnvelope } from "./envelope.ts";
export type { BackoffPolicy } from "./transport-kit.ts";
export { BUS_ERROR_CODES, backoffDelay, loopBackoff } from "./transport-kit.ts";
export type { MessageSchema, MessageValidator } from "./validator.ts";
export { createMessageValidator, loadMessageSchemas } from "./validator.ts";
export type {
  Bus,
  BusDeps,
  BusObserver,
  ConsumeOptions,
  Consumer,
  DeadLetters,
  MessageContext,
  MessageHandler,
  MessageOutcome,
} from "./bus.ts";
export { DEFAULT_CONSUME, MESSAGE_OUTCOMES, createBus } from "./bus.ts";
export type { PostgresTransportOptions } from "./postgres.ts";
export { createPostgresTransport } from "./postgres.ts";
export type {
  ServiceBusAdminSurface,
  ServiceBusClientSurface,
  ServiceBusQueueDefaults,
  ServiceBusReceiverSurface,
  ServiceBusSenderSurface,
  ServiceBusTransportOptions,
} from "./service-bus.ts";
export { createServiceBusTransport } from "./service-bus.ts";
export type { ServiceBusTopicAdminSurface, ServiceBusTopicClientSurface, ServiceBusTopics } from "./service-bus-broadcast.ts";
export { type AmqpTransportOptions, createAmqpTransport } from "./amqp.ts";
