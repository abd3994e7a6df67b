import type { GetMessage, Message, MessageProperties, Options } from "amqplib";
import type { DeadLetter, DeadLetterInfo, DeadLetterSelector, ErrorInfo, OutgoingMessage } from "./port.ts";

/**
 * Where the AMQP transport keeps its bookkeeping: message headers, so a message carries its
 * attempt number and failure history through retry and dead-letter queues and across
 * broker restarts. `x-` names are left to the broker (it adds `x-death`).
 */
export const AMQP_HEADERS = {
  attempt: "wh-attempt",
  firstFailedAt: "wh-first-failed-at",
  lastErrorCode: "wh-last-error-code",
  lastErrorMessage: "wh-last-error-message",
  reasonCode: "wh-dead-reason-code",
  reasonMessage: "wh-dead-reason-message",
  attempts: "wh-dead-attempts",
  lastFailedAt: "wh-dead-last-failed-at",
  originalQueue: "wh-original-queue",
} as const;

/** A header table stays far below amqplib's 64 KiB encoding buffer even with a long stack in a message. */
const MAX_TEXT_HEADER = 4000;

/** The broker's names for the three queues behind one logical queue. */
export function queueNames(queue: string) {
  return { main: queue, retry: `${queue}.retry`, dlq: `${queue}.dlq` } as const;
}

type Headers = Record<string, unknown>;

/** Durable, persistent, with the envelope id as the AMQP message id. */
export function publishOptions(
  message: Pick<OutgoingMessage, "messageId" | "correlationId" | "type">,
  headers: Headers,
  expirationMs?: number,
): Options.Publish {
  return {
    persistent: true,
    mandatory: true,
    messageId: message.messageId,
    correlationId: message.correlationId,
    type: message.type,
    contentType: "application/json",
    headers,
    ...(expirationMs === undefined ? {} : { expiration: String(Math.max(0, Math.round(expirationMs))) }),
  };
}

/** The identity of a received message, for republishing it elsewhere. */
export function identityOf(message: Message): Pick<OutgoingMessage, "messageId" | "correlationId" | "type"> {
  const props: MessageProperties = message.properties;
  return {
    messageId: stringOf(props.messageId) ?? "",
    correlationId: stringOf(props.correlationId) ?? "",
    type: stringOf(props.type) ?? "",
  };
}

/** Headers of the copy that waits in `Q.retry` and comes back as the next attempt. */
export function retryHeaders(attempt: number, firstFailedAt: string, error: ErrorInfo): Headers {
  return {
    [AMQP_HEADERS.attempt]: attempt + 1,
    [AMQP_HEADERS.firstFailedAt]: firstFailedAt,
    [AMQP_HEADERS.lastErrorCode]: error.code,
    [AMQP_HEADERS.lastErrorMessage]: truncate(error.message),
  };
}

/** Headers of the copy kept in `Q.dlq`. */
export function deadLetterHeaders(queue: string, info: DeadLetterInfo): Headers {
  return {
    [AMQP_HEADERS.reasonCode]: info.reason.code,
    [AMQP_HEADERS.reasonMessage]: truncate(info.reason.message),
    [AMQP_HEADERS.attempts]: info.attempts,
    [AMQP_HEADERS.firstFailedAt]: info.firstFailedAt,
    [AMQP_HEADERS.lastFailedAt]: info.lastFailedAt,
    [AMQP_HEADERS.originalQueue]: queue,
  };
}

/** The attempt a delivery is on; a message without the header is on its first. */
export function attemptOf(message: Message): number {
  const value = Number(headersOf(message)[AMQP_HEADERS.attempt]);
  return Number.isInteger(value) && value > 0 ? value : 1;
}

/** When the first failed attempt happened, if any did. */
export function firstFailedAtOf(message: Message): string | undefined {
  return stringOf(headersOf(message)[AMQP_HEADERS.firstFailedAt]);
}

/** A message read from `Q.dlq` as operators see it. */
export function toDeadLetter(queue: string, message: GetMessage): DeadLetter {
  const headers = headersOf(message);
  const attempts = Number(headers[AMQP_HEADERS.attempts]);
  const lastFailedAt = stringOf(headers[AMQP_HEADERS.lastFailedAt]) ?? new Date(0).toISOString();
  return {
    queue: stringOf(headers[AMQP_HEADERS.originalQueue]) ?? queue,
    messageId: identityOf(message).messageId,
    body: message.content.toString("utf8"),
    reason: {
      code: stringOf(headers[AMQP_HEADERS.reasonCode]) ?? "UNKNOWN",
      message: stringOf(headers[AMQP_HEADERS.reasonMessage]) ?? "",
    },
    attempts: Number.isInteger(attempts) && attempts > 0 ? attempts : 1,
    firstFailedAt: stringOf(headers[AMQP_HEADERS.firstFailedAt]) ?? lastFailedAt,
    lastFailedAt,
  };
}

/** Whether a dead letter is one the selector picks. */
export function selects(selector: DeadLetterSelector, message: GetMessage): boolean {
  switch (selector.kind) {
    case "ids":
      return selector.ids.includes(identityOf(message).messageId);
    case "cause":
      return stringOf(headersOf(message)[AMQP_HEADERS.reasonCode]) === selector.code;
    case "all":
      return true;
  }
}

function headersOf(message: Message): Headers {
  return message.properties.headers ?? {};
}

function stringOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return undefined;
}

function truncate(text: string): string {
  return text.length > MAX_TEXT_HEADER ? `${text.slice(0, MAX_TEXT_HEADER)}…` : text;
}
