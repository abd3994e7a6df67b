import { randomUUID } from "node:crypto";
import type { Bus, Consumer, ConsumeOptions, MessageHandler } from "../../lib/bus/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { AppError } from "../../lib/errors/index.ts";
import { QUEUES, broadcast, handleQueue } from "../../lib/messages/index.ts";
import type { ChatSend, ChatStored } from "../../lib/messages/index.ts";
import { storeBatch } from "./batch-store.ts";
import type { BatchItem } from "./batch-store.ts";
import type { StoreOutcome } from "./store.ts";

/** What the chat worker needs: the database it stores into and the bus it answers on. */
export interface ChatWorkerDeps {
  readonly pool: Pool;
  readonly bus: Bus;
  /** Current time; tests move it. */
  readonly now?: () => number;
  /** Most sends stored in one transaction. Default {@link DEFAULT_BATCH_MAX}. */
  readonly batchMax?: number;
}

/** Most sends one group commit stores, by default. */
export const DEFAULT_BATCH_MAX = 256;

/** Transactions one worker runs at once: one fills while the other commits. */
const MAX_IN_FLIGHT = 2;

interface Waiting {
  readonly item: BatchItem;
  resolve(outcome: StoreOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit: sends that arrive while a transaction is in flight wait and are stored
 * together in the next one, so a burst costs a few transactions, not one per message.
 */
function groupCommit(pool: Pool, batchMax: number): (item: BatchItem) => Promise<StoreOutcome> {
  const waiting: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    while (inFlight < MAX_IN_FLIGHT && waiting.length > 0) {
      const batch = waiting.splice(0, batchMax);
      inFlight += 1;
      storeBatch(
        pool,
        batch.map((w) => w.item),
      )
        .then(
          (outcomes) => batch.forEach((w, n) => w.resolve(outcomes[n] as StoreOutcome)),
          (error: unknown) => batch.forEach((w) => w.reject(error)),
        )
        .finally(() => {
          inFlight -= 1;
          flush();
        });
    }
  };
  return (item) =>
    new Promise<StoreOutcome>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      // Deliveries that arrive in the same turn join one batch.
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}

/**
 * Handles `chat.send`: stores the message through the group commit (idempotent on its client
 * message id), then fans out `chat.stored` to every relay instance as a transient message
 * without waiting for the broker: the database is the record, relays fill a lost push from it,
 * and a sender whose answer is lost retries with the same client message id. A send whose
 * sender has given up (`expiresAt` passed) is answered as rejected and never stored. Database
 * failures are retryable; the bus retries until the send expires.
 */
export function chatSendHandler(deps: ChatWorkerDeps): MessageHandler {
  const now = deps.now ?? Date.now;
  const store = groupCommit(deps.pool, deps.batchMax ?? DEFAULT_BATCH_MAX);
  return handleQueue(QUEUES.chat, async (envelope, ctx) => {
    const send = envelope.payload;
    let outcome: StoreOutcome;
    if (Date.parse(send.expiresAt) <= now()) {
      outcome = { outcome: "rejected", code: "CHAT_SEND_EXPIRED", reason: "The message was not stored in time; send it again.", participants: { customerId: "", technicianId: null } };
    } else {
      try {
        outcome = await store({ send, id: randomUUID() });
      } catch (cause) {
        throw new AppError("CHAT_STORE_FAILED", "the chat message could not be stored", { retryable: true, cause });
      }
    }
    ctx.logger.debug({ outcome: outcome.outcome, serviceRequestId: send.serviceRequestId }, "chat send handled");
    await broadcast(deps.bus, "chat.stored", storedPayload(send, outcome), { correlationId: envelope.correlationId, confirm: false });
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

/**
 * Starts consuming the `chat` queue with {@link chatSendHandler}. The consumer takes at least a
 * batch's worth of messages at once, so the group commit has something to group.
 */
export function startChatWorker(deps: ChatWorkerDeps, options: ConsumeOptions = {}): Promise<Consumer> {
  const concurrency = Math.max(options.concurrency ?? 1, deps.batchMax ?? DEFAULT_BATCH_MAX);
  return deps.bus.consume(QUEUES.chat, chatSendHandler(deps), { ...options, concurrency });
}
