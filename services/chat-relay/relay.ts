import type { Bus, Consumer } from "../../lib/bus/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { AppError, describeError } from "../../lib/errors/index.ts";
import type { Logger } from "../../lib/log/index.ts";
import { TOPICS, handleTopic, publish } from "../../lib/messages/index.ts";
import type { ChatSend, ChatStored } from "../../lib/messages/index.ts";
import { CHAT } from "./model.ts";
import type { ChatMessage, ChatUser, Participants } from "./model.ts";
import { findChatRequest, findRequestAndEarlier, messagesAfter, roleOf } from "./store.ts";

/** Where a relay instance pushes what the fan-out brings: its own sockets. */
export interface ChatSink {
  /** A stored message: push it to the request's group, but only to current participants. */
  deliver(message: ChatMessage, participants: Participants): void;
  /** Participants changed: drop everyone else from the request's group at once. */
  participantsChanged(serviceRequestId: string, participants: Participants): void;
}

/** What {@link createChatRelay} needs. */
export interface ChatRelayDeps {
  readonly pool: Pool;
  readonly bus: Bus;
  readonly logger: Logger;
  /** Names this instance's fan-out queue/subscription. */
  readonly instanceId: string;
  /** How long a send may take to be stored before the sender is told it failed. */
  readonly sendTimeoutMs: number;
  readonly sink: ChatSink;
}

/** The chat operations of one relay instance, shared by the hub and the HTTP routes. */
export interface ChatRelay {
  /** Subscribes to the fan-out; call before serving. */
  start(): Promise<void>;
  /**
   * Checks the caller may use the request's chat; throws CHAT_FORBIDDEN (403) otherwise.
   * Resolves with the participants and the request's latest sequence.
   */
  authorize(user: ChatUser, serviceRequestId: string): Promise<Participants & { readonly lastSequence: number }>;
  /** Messages after `after`, in order, at most `limit` (and {@link CHAT.maxPage}). */
  history(user: ChatUser, serviceRequestId: string, after: number, limit: number): Promise<ChatMessage[]>;
  /** Resolves with the stored message once it is stored; CHAT_NOT_STORED (503) when it was not. */
  send(user: ChatUser, serviceRequestId: string, text: unknown, clientMessageId: unknown, correlationId?: string): Promise<ChatMessage>;
  /** Stops the fan-out and fails sends still waiting. */
  close(): Promise<void>;
}

/** A reported failure must be final: the worker refuses a send this long before the sender gives up. */
const STORE_MARGIN_MS = 1000;

interface Waiter {
  resolve(message: ChatMessage): void;
  reject(error: AppError): void;
}

/** Creates the relay core; see {@link ChatRelay}. */
export function createChatRelay(deps: ChatRelayDeps): ChatRelay {
  const waiters = new Map<string, Set<Waiter>>();
  let fanout: Consumer | undefined;
  const onFanout = handleTopic(TOPICS.chatFanout, (envelope) => {
    if (envelope.type === "chat.stored") stored(envelope.payload);
    else deps.sink.participantsChanged(envelope.payload.serviceRequestId, envelope.payload);
  });
  const stored = (event: ChatStored) => {
    const key = waiterKey(event.serviceRequestId, event.clientMessageId);
    const waiting = waiters.get(key);
    waiters.delete(key);
    if (event.message !== undefined) {
      deps.sink.deliver(event.message, event.participants);
      for (const waiter of waiting ?? []) waiter.resolve(event.message);
      return;
    }
    if (event.error?.code === "CHAT_FORBIDDEN" && event.participants.customerId !== "") {
      deps.sink.participantsChanged(event.serviceRequestId, event.participants);
    }
    const error = refusal(event.error?.code ?? "CHAT_NOT_STORED", event.error?.message ?? "The message was not stored.");
    for (const waiter of waiting ?? []) waiter.reject(error);
  };
  const wait = (key: string, timeoutMs: number) => {
    const { promise, resolve, reject } = Promise.withResolvers<ChatMessage>();
    const timer = setTimeout(() => waiter.reject(notStored("it was not confirmed in time")), timeoutMs);
    const waiter: Waiter = {
      resolve: (message) => (clearTimeout(timer), waiters.get(key)?.delete(waiter), resolve(message)),
      reject: (error) => (clearTimeout(timer), waiters.get(key)?.delete(waiter), reject(error)),
    };
    const set = waiters.get(key) ?? new Set();
    set.add(waiter);
    waiters.set(key, set);
    return { promise, waiter };
  };
  const authorize = async (user: ChatUser, serviceRequestId: string) => {
    const request = await database(() => findChatRequest(deps.pool, serviceRequestId));
    if (request === undefined || roleOf(request, user.id) === undefined) throw forbidden();
    return request;
  };

  return {
    async start() {
      fanout = await deps.bus.subscribeBroadcast(TOPICS.chatFanout, deps.instanceId, onFanout);
    },
    authorize,
    async history(user, serviceRequestId, after, limit) {
      await authorize(user, serviceRequestId);
      return database(() => messagesAfter(deps.pool, serviceRequestId, after, Math.min(limit, CHAT.maxPage)));
    },
    async send(user, serviceRequestId, text, clientMessageId, correlationId) {
      const input = checkSend(text, clientMessageId);
      const { request, earlier } = await database(() => findRequestAndEarlier(deps.pool, serviceRequestId, input.clientMessageId));
      if (request === undefined || roleOf(request, user.id) === undefined) throw forbidden();
      if (earlier !== undefined) return earlier;
      if (request.closedAt !== null) throw refusal("CHAT_CLOSED", "This service request is closed.");
      const expiresAt = new Date(Date.now() + deps.sendTimeoutMs).toISOString();
      const payload: ChatSend = { serviceRequestId, senderId: user.id, ...input, expiresAt };
      const { promise, waiter } = wait(waiterKey(serviceRequestId, input.clientMessageId), deps.sendTimeoutMs + STORE_MARGIN_MS);
      try {
        // Transient: the waiter below times out and the sender retries, so the broker need not write it to disk.
        await publish(deps.bus, "chat.send", payload, { correlationId, transient: true });
      } catch (cause) {
        deps.logger.warn({ err: describeError(cause).message }, "chat send could not be queued");
        waiter.reject(notStored("the message queue is unavailable", cause));
      }
      return promise;
    },
    async close() {
      await fanout?.close();
      fanout = undefined;
      for (const set of waiters.values()) for (const waiter of [...set]) waiter.reject(notStored("the relay is shutting down"));
      waiters.clear();
    },
  };
}

function waiterKey(serviceRequestId: string, clientMessageId: string): string {
  return `${serviceRequestId}\u0000${clientMessageId}`;
}

function checkSend(text: unknown, clientMessageId: unknown): { text: string; clientMessageId: string } {
  if (typeof text !== "string" || text.length < 1 || text.length > CHAT.maxTextLength) {
    throw new AppError("CHAT_INVALID", `Message text must be 1 to ${CHAT.maxTextLength} characters.`, { status: 422 });
  }
  if (typeof clientMessageId !== "string" || clientMessageId.length < 1 || clientMessageId.length > CHAT.maxClientMessageIdLength) {
    throw new AppError("CHAT_INVALID", `clientMessageId must be a string of 1 to ${CHAT.maxClientMessageIdLength} characters.`, {
      status: 422,
    });
  }
  return { text, clientMessageId };
}

/** Runs a query; a database failure becomes CHAT_UNAVAILABLE (503) without its details. */
async function database<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (cause) {
    throw new AppError("CHAT_UNAVAILABLE", "Chat is unavailable right now; try again.", { status: 503, retryable: true, cause });
  }
}

function forbidden(): AppError {
  return refusal("CHAT_FORBIDDEN", "You are not a participant of this service request.");
}

const STATUS: Readonly<Record<string, number>> = { CHAT_FORBIDDEN: 403, CHAT_CLOSED: 409 };

function refusal(code: string, message: string): AppError {
  return new AppError(code, message, { status: STATUS[code] ?? 503, retryable: STATUS[code] === undefined });
}

function notStored(why: string, cause?: unknown): AppError {
  return new AppError("CHAT_NOT_STORED", `The message was not stored (${why}); send it again with the same clientMessageId.`, {
    status: 503,
    retryable: true,
    cause,
  });
}
