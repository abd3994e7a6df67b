import { randomUUID } from "node:crypto";
import type { Bus, Consumer, ConsumeOptions, MessageHandler } from "../../lib/bus/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { AppError } from "../../lib/errors/index.ts";
import { QUEUES, broadcast, handleQueue } from "../../lib/messages/index.ts";
import type { ChatSend, ChatStored } from "../../lib/messages/index.ts";
import { storeMessage } from "./store.ts";
import type { StoreOutcome } from "./store.ts";

/** What the chat worker needs: the database it stores into and the bus it answers on. */
export interface ChatWorkerDeps {
  readonly pool: Pool;
  readonly bus: Bus;
  /** Current time; tests move it. */
  readonly now?: () => number;
}

/**
 * Handles `chat.send`: stores the message (idempotent on its client message id), then
 * broadcasts `chat.stored` to every relay instance. A send whose sender has given up
 * (`expiresAt` passed) is answered as rejected and never stored. Database failures are
 * retryable; the bus retries until the send expires.
 */
export function chatSendHandler(deps: ChatWorkerDeps): MessageHandler {
  const now = deps.now ?? Date.now;
  return handleQueue(QUEUES.chat, async (envelope, ctx) => {
    const send = envelope.payload;
    let outcome: StoreOutcome;
    if (Date.parse(send.expiresAt) <= now()) {
      outcome = { outcome: "rejected", code: "CHAT_SEND_EXPIRED", reason: "The message was not stored in time; send it again.", participants: { customerId: "", technicianId: null } };
    } else {
      try {
        outcome = await storeMessage(deps.pool, send, randomUUID());
      } catch (cause) {
        throw new AppError("CHAT_STORE_FAILED", "the chat message could not be stored", { retryable: true, cause });
      }
    }
    ctx.logger.debug({ outcome: outcome.outcome, serviceRequestId: send.serviceRequestId }, "chat send handled");
    await broadcast(deps.bus, "chat.stored", storedPayload(send, outcome), { correlationId: envelope.correlationId });
  });
}

function storedPayload(send: ChatSend, outcome: StoreOutcome): ChatStored {
  const base = {
    serviceRequestId: send.serviceRequestId,
    clientMessageId: send.clientMessageId,
    senderId: send.senderId,
    participants: outcome.participants,
  };
  return outcome.outcome === "rejected"
    ? { ...base, outcome: "rejected", error: { code: outcome.code, message: outcome.reason } }
    : { ...base, outcome: outcome.outcome, message: outcome.message };
}

/** Starts consuming the `chat` queue with {@link chatSendHandler}. */
export function startChatWorker(deps: ChatWorkerDeps, options: ConsumeOptions = {}): Promise<Consumer> {
  return deps.bus.consume(QUEUES.chat, chatSendHandler(deps), options);
}
