import type { Channel, ConsumeMessage, Options } from "amqplib";
import { AppError, describeError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import type { AmqpLink, AmqpSession } from "./amqp-link.ts";
import {
  attemptOf,
  deadLetterHeaders,
  firstFailedAtOf,
  identityOf,
  publishOptions,
  queueNames,
  retryHeaders,
} from "./amqp-messages.ts";
import type { Delivery, TransportSubscription } from "./port.ts";
import { busUnavailable } from "./transport-kit.ts";

/** What one consumer needs from its transport. */
export interface AmqpConsumerDeps {
  readonly link: AmqpLink;
  readonly logger: Logger;
  readonly queue: string;
  readonly prefetch: number;
  readonly onDelivery: (delivery: Delivery) => Promise<void>;
  /** Declares the queue's topology (cached by the transport). */
  readonly ensureQueues: (queue: string) => Promise<void>;
  /** Publishes with a confirm, within the transport's publish timeout. */
  readonly publish: (queue: string, content: Buffer, options: Options.Publish) => Promise<void>;
  /** How long to wait for a connection before giving up on registering. */
  readonly timeoutMs: number;
}

/** The channel one registration runs on; `open` turns false when the broker or we close it. */
interface Registration {
  readonly channel: Channel;
  open: boolean;
  consumerTag: string | undefined;
}

/** Wait before re-registering on a live connection after the channel died under it. */
const REREGISTER_DELAY_MS = 1000;

/**
 * Starts a consumer on its own channel with `prefetch` unacked deliveries at most, and
 * registers it again on every new session after a connection loss. Resolves once the first
 * registration is in place; rejects with BUS_UNAVAILABLE when no connection comes in time.
 */
export async function startAmqpConsumer(deps: AmqpConsumerDeps): Promise<TransportSubscription> {
  const { link, logger, queue } = deps;
  const inFlight = new Set<Promise<void>>();
  let closing = false;
  let active: Registration | undefined;
  let registering: Promise<void> = Promise.resolve();
  let retryTimer: NodeJS.Timeout | undefined;

  const register = (session: AmqpSession): Promise<void> => {
    registering = registering.then(() => registerOn(session)).catch((error: unknown) => {
      logger.warn({ err: describeError(error).message }, "amqp consumer could not register; trying again");
      later(session);
    });
    return registering;
  };
  // Only a session that is still the current one is worth another try; a new one registers itself.
  const later = (session: AmqpSession) => {
    if (closing || link.current() !== session) return;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void register(session), REREGISTER_DELAY_MS);
  };

  async function registerOn(session: AmqpSession): Promise<void> {
    if (closing || link.current() !== session) return;
    await deps.ensureQueues(queue);
    const channel = await session.model.createChannel();
    const registration: Registration = { channel, open: true, consumerTag: undefined };
    channel.on("error", (error: Error) => logger.warn({ err: error.message }, "amqp consumer channel error"));
    channel.on("close", () => {
      registration.open = false;
      later(session);
    });
    try {
      await channel.prefetch(deps.prefetch);
      const ok = await channel.consume(queue, (message) => receive(registration, message), { noAck: false });
      registration.consumerTag = ok.consumerTag;
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
    active = registration;
    if (closing) await channel.close().catch(() => undefined);
  }

  function receive(registration: Registration, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled us (queue deleted); a fresh channel declares the queue again.
      logger.warn("amqp consumer cancelled by the broker");
      void registration.channel.close().catch(() => undefined);
      return;
    }
    // Left unacked on purpose: closing the channel hands it back to the broker.
    if (closing) return;
    const delivery = createDelivery(deps, registration, message);
    const task = deps
      .onDelivery(delivery.delivery)
      .catch((error: unknown) => logger.warn({ err: describeError(error).message }, "amqp delivery handler failed"))
      .then(() => delivery.releaseIfUnsettled());
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  }

  let first: AmqpSession;
  try {
    first = await link.session(deps.timeoutMs);
    await registerOn(first);
  } catch (error) {
    closing = true;
    throw error instanceof AppError ? error : busUnavailable("amqp", `cannot consume from ${queue}`, error);
  }
  const unsubscribe = link.onSession((session) => void register(session));
  // A reconnect while the first registration was under way is not announced again.
  const now = link.current();
  if (now && now !== first) void register(now);

  return {
    async close() {
      closing = true;
      unsubscribe();
      clearTimeout(retryTimer);
      await registering;
      const registration = active;
      if (registration?.open && registration.consumerTag) {
        await registration.channel.cancel(registration.consumerTag).catch(() => undefined);
      }
      await Promise.allSettled([...inFlight]);
      if (registration?.open) await registration.channel.close().catch(() => undefined);
    },
  };
}

/**
 * One delivery bound to the channel it arrived on. Retry and dead-letter publish a
 * confirmed copy first and ack second, so a crash in between duplicates rather than loses.
 * Once that channel is gone nothing is settled: the broker redelivers the message.
 */
function createDelivery(deps: AmqpConsumerDeps, registration: Registration, message: ConsumeMessage) {
  const names = queueNames(deps.queue);
  const attempt = attemptOf(message);
  const firstFailedAt = firstFailedAtOf(message);
  let settling = false;
  let acked = false;

  async function settle(copy?: { queue: string; options: Options.Publish }): Promise<void> {
    if (settling) throw new AppError("BUS_ALREADY_SETTLED", "a delivery is settled once");
    if (!registration.open) throw gone();
    settling = true;
    try {
      if (copy) await deps.publish(copy.queue, message.content, copy.options);
      if (!registration.open) throw gone();
      registration.channel.ack(message);
      acked = true;
    } finally {
      settling = acked;
    }
  }

  const delivery: Delivery = {
    messageId: identityOf(message).messageId,
    body: message.content.toString("utf8"),
    attempt,
    firstFailedAt,
    ack: () => settle(),
    retry: (delayMs, error) =>
      settle({
        queue: names.retry,
        options: publishOptions(
          identityOf(message),
          retryHeaders(attempt, firstFailedAt ?? new Date().toISOString(), error),
          delayMs,
        ),
      }),
    deadLetter: (info) =>
      settle({ queue: names.dlq, options: publishOptions(identityOf(message), deadLetterHeaders(deps.queue, info)) }),
  };
  return {
    delivery,
    /** A handler that returned without settling (its settle failed) gives the message back now, same attempt. */
    releaseIfUnsettled() {
      if (acked || !registration.open) return;
      deps.logger.warn({ messageId: delivery.messageId }, "amqp delivery left unsettled; requeued");
      try {
        registration.channel.nack(message, false, true);
      } catch {
        // The channel closed meanwhile; the broker requeues it anyway.
      }
    },
  };
}

function gone(): AppError {
  return busUnavailable("amqp", "the channel this message arrived on is closed; the broker will redeliver it");
}
