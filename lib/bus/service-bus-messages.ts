import type { ServiceBusMessage, ServiceBusReceivedMessage } from "@azure/service-bus";
import type { DeadLetter, DeadLetterSelector, OutgoingMessage } from "./port.ts";

// How envelopes, retries and dead letters map onto Service Bus messages and their
// application properties; the transport in service-bus.ts moves them.

/** Service Bus rejects dead-letter reasons and descriptions longer than this. */
export const MAX_REASON_CHARS = 4096;

/** Application properties the transport owns; a replay strips them so the copy starts at attempt 1. */
export const PROP = {
  attempt: "attempt",
  firstFailedAt: "firstFailedAt",
  lastErrorCode: "lastErrorCode",
  lastErrorMessage: "lastErrorMessage",
  attempts: "attempts",
  lastFailedAt: "lastFailedAt",
} as const;
const OWNED_PROPS = new Set<string>([...Object.values(PROP), "DeadLetterReason", "DeadLetterErrorDescription"]);

export type Properties = NonNullable<ServiceBusMessage["applicationProperties"]>;

/** The Service Bus message for an outgoing envelope. */
export function outgoing(message: OutgoingMessage): ServiceBusMessage {
  return {
    messageId: message.messageId,
    // Raw UTF-8 bytes: the SDK would JSON-encode a string body a second time.
    body: Buffer.from(message.body, "utf8"),
    contentType: "application/json",
    correlationId: message.correlationId,
    subject: message.type,
  };
}

/** A fresh copy of a received message with other application properties. */
export function copyOf(message: ServiceBusReceivedMessage, applicationProperties: Properties): ServiceBusMessage {
  return {
    messageId: message.messageId,
    body: Buffer.from(bodyText(message.body), "utf8"),
    contentType: message.contentType,
    correlationId: message.correlationId,
    subject: message.subject,
    applicationProperties,
  };
}

/** The properties a replayed copy keeps: ours are stripped so it starts at attempt 1. */
export function replayProperties(message: ServiceBusReceivedMessage): Properties {
  return Object.fromEntries(Object.entries(message.applicationProperties ?? {}).filter(([key]) => !OWNED_PROPS.has(key)));
}

/** A native dead letter as operators see it. */
export function toDeadLetter(queue: string, message: ServiceBusReceivedMessage): DeadLetter {
  const fallbackTime = (message.enqueuedTimeUtc ?? new Date(0)).toISOString();
  const attempts = message.applicationProperties?.[PROP.attempts];
  return {
    messageId: String(message.messageId),
    queue,
    body: bodyText(message.body),
    reason: { code: message.deadLetterReason ?? "UNKNOWN", message: message.deadLetterErrorDescription ?? "" },
    attempts: typeof attempts === "number" ? attempts : attemptOf(message),
    firstFailedAt: stringProperty(message, PROP.firstFailedAt) ?? fallbackTime,
    lastFailedAt: stringProperty(message, PROP.lastFailedAt) ?? fallbackTime,
  };
}

/** Whether a dead letter is selected. */
export function matches(selector: DeadLetterSelector, message: ServiceBusReceivedMessage): boolean {
  switch (selector.kind) {
    case "ids":
      return selector.ids.includes(String(message.messageId));
    case "cause":
      return message.deadLetterReason === selector.code;
    case "all":
      return true;
  }
}

/** The attempt number a message carries (1 when absent). */
export function attemptOf(message: ServiceBusReceivedMessage): number {
  const value = message.applicationProperties?.[PROP.attempt];
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : 1;
}

/** A string application property, if set. */
export function stringProperty(message: ServiceBusReceivedMessage, key: string): string | undefined {
  const value = message.applicationProperties?.[key];
  return typeof value === "string" ? value : undefined;
}

/** The body as text, byte for byte. */
export function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8");
  return JSON.stringify(body);
}

/** The sequence number as text, for logs and paging. */
export function sequenceOf(message: ServiceBusReceivedMessage): string {
  return message.sequenceNumber?.toString() ?? "";
}

/** Orders messages by sequence number. */
export function compareSequence(a: ServiceBusReceivedMessage, b: ServiceBusReceivedMessage): number {
  if (!a.sequenceNumber || !b.sequenceNumber) return 0;
  return a.sequenceNumber.compare(b.sequenceNumber);
}
