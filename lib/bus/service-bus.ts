import { ServiceBusAdministrationClient, ServiceBusClient } from "@azure/service-bus";
import type {
  CreateQueueOptions,
  QueueProperties,
  QueueRuntimeProperties,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
  ServiceBusReceiverOptions,
  ServiceBusSender,
} from "@azure/service-bus";
import type { Logger } from "../log/index.ts";
import type {
  DeadLetterSelector,
  Delivery,
  QueueDepth,
  Transport,
  TransportSubscription,
} from "./port.ts";
import {
  attemptOf,
  bodyText,
  compareSequence,
  copyOf,
  matches,
  MAX_REASON_CHARS,
  outgoing,
  PROP,
  replayProperties,
  sequenceOf,
  stringProperty,
  toDeadLetter,
} from "./service-bus-messages.ts";
import type { Properties } from "./service-bus-messages.ts";
import { serviceBusBroadcast } from "./service-bus-broadcast.ts";
import { busUnavailable, driverCall, withLifecycle } from "./transport-kit.ts";
import type { ServiceBusTopics } from "./service-bus-broadcast.ts";

/** The part of `ServiceBusSender` the transport uses. */
export type ServiceBusSenderSurface = Pick<ServiceBusSender, "sendMessages" | "scheduleMessages" | "close">;

/** The part of `ServiceBusReceiver` the transport uses. */
export type ServiceBusReceiverSurface = Pick<
  ServiceBusReceiver,
  | "subscribe"
  | "receiveMessages"
  | "peekMessages"
  | "completeMessage"
  | "abandonMessage"
  | "deadLetterMessage"
  | "renewMessageLock"
  | "close"
>;

/** The part of `ServiceBusClient` the transport uses; a real client is assignable to it. */
export interface ServiceBusClientSurface {
  createSender(queueName: string): ServiceBusSenderSurface;
  createReceiver(queueName: string, options?: ServiceBusReceiverOptions): ServiceBusReceiverSurface;
  close(): Promise<void>;
}

/**
 * The part of `ServiceBusAdministrationClient` the transport uses. The SDK wraps results in
 * `WithResponse<T>` (T plus the raw HTTP response); the transport reads only T.
 */
export interface ServiceBusAdminSurface {
  getQueueRuntimeProperties(queueName: string): Promise<QueueRuntimeProperties>;
  queueExists(queueName: string): Promise<boolean>;
  createQueue(queueName: string, options?: CreateQueueOptions): Promise<QueueProperties>;
}

/** How queues are created on first use; in Azure, Terraform provisions them with the same values. */
export interface ServiceBusQueueDefaults {
  readonly maxDeliveryCount: number;
  /** ISO 8601 duration, e.g. `PT30S`. */
  readonly lockDuration: string;
}

/** Options of {@link createServiceBusTransport}: a connection string, or clients made elsewhere. */
export type ServiceBusTransportOptions = {
  readonly logger: Logger;
  readonly queueDefaults?: ServiceBusQueueDefaults;
  /** How long the SDK keeps renewing the lock of a message whose handler is still running. */
  readonly maxLockRenewalMs?: number;
  /** How long a dead-letter replay or purge waits for the next batch before it stops. */
  readonly receiveWaitMs?: number;
} & (
  | { readonly connectionString: string }
  | {
      readonly client: ServiceBusClientSurface;
      readonly admin: ServiceBusAdminSurface;
      /** Topic clients for broadcast; without them the transport has no broadcast. */
      readonly topics?: ServiceBusTopics;
    }
);

/**
 * Settling fails on Service Bus when the message lock was lost (the message went back to the
 * queue); these codes say which settlement it was. Every other failure is BUS_UNAVAILABLE.
 */
const SETTLE_CODES = { ack: "BUS_ACK_FAILED", retry: "BUS_RETRY_FAILED", deadLetter: "BUS_DEAD_LETTER_FAILED" } as const;

const DEFAULT_QUEUE: ServiceBusQueueDefaults = { maxDeliveryCount: 10, lockDuration: "PT30S" };
const PAGE = 100;

/**
 * Azure Service Bus transport: peek-lock receive with automatic lock renewal, retries as
 * scheduled copies carrying the attempt number, and the queue's native dead-letter subqueue.
 * Clients connect lazily, so construction touches no network.
 */
export function createServiceBusTransport(options: ServiceBusTransportOptions): Transport {
  const ctx = contextOf(options);
  const subscriptions = new Set<TransportSubscription>();
  const fanout = ctx.topics && serviceBusBroadcast(ctx.topics, ctx.logger);
  const onQueue = async <T>(queue: string, run: () => Promise<T>) => {
    await ctx.ensureQueue(queue);
    return run();
  };
  return withLifecycle({
    name: "service-bus",
    send: (queue, message) =>
      onQueue(queue, () =>
        driverCall("service-bus", "send", () => ctx.sender(queue).sendMessages(outgoing(message))),
      ),
    async consume(queue, onDelivery, { prefetch }) {
      await ctx.ensureQueue(queue);
      const subscription = subscribe(ctx, queue, onDelivery, prefetch, () => subscriptions.delete(subscription));
      subscriptions.add(subscription);
      return subscription;
    },
    depth: (queue) => onQueue(queue, () => depthOf(ctx.admin, queue)),
    listDeadLetters: (queue, { limit }) =>
      onQueue(queue, async () => (await peekDeadLetters(ctx, queue, limit)).map((m) => toDeadLetter(queue, m))),
    getDeadLetter: (queue, messageId) =>
      onQueue(queue, async () => {
        const found = (await peekDeadLetters(ctx, queue, Infinity)).find((m) => String(m.messageId) === messageId);
        return found && toDeadLetter(queue, found);
      }),
    replayDeadLetters: (queue, selector) =>
      onQueue(queue, () =>
        settleDeadLetters(ctx, queue, selector, async (message, receiver) => {
          await ctx.sender(queue).sendMessages(copyOf(message, replayProperties(message)));
          await receiver.completeMessage(message);
        }),
      ),
    purgeDeadLetters: (queue, selector) =>
      onQueue(queue, () =>
        settleDeadLetters(ctx, queue, selector, (message, receiver) => receiver.completeMessage(message)),
      ),
    async ping() {
      await driverCall("service-bus", "ping", () => ctx.admin.queueExists("health-ping"));
    },
    ...(fanout && {
      broadcast: (topic: string, body: string) => fanout.broadcast(topic, body),
      subscribeBroadcast: (topic: string, instanceId: string, onMessage: (body: string) => void) =>
        fanout.subscribeBroadcast(topic, instanceId, onMessage),
    }),
    async close() {
      await Promise.all([...subscriptions].map((s) => s.close()));
      await fanout?.close();
      await ctx.close();
    },
  });
}

interface Context {
  readonly client: ServiceBusClientSurface;
  readonly admin: ServiceBusAdminSurface;
  /** Topic clients when broadcast is available. */
  readonly topics: ServiceBusTopics | undefined;
  readonly logger: Logger;
  readonly receiveWaitMs: number;
  readonly maxLockRenewalMs: number;
  ensureQueue(queue: string): Promise<void>;
  sender(queue: string): ServiceBusSenderSurface;
  /** Closes the senders, then the client. */
  close(): Promise<void>;
}

function contextOf(options: ServiceBusTransportOptions): Context {
  const { client, admin, topics } = clientsOf(options);
  const senders = new Map<string, ServiceBusSenderSurface>();
  const ensured = new Map<string, Promise<void>>();
  return {
    client,
    admin,
    topics,
    logger: options.logger.child({ transport: "service-bus" }),
    receiveWaitMs: options.receiveWaitMs ?? 1000,
    maxLockRenewalMs: options.maxLockRenewalMs ?? 5 * 60_000,
    ensureQueue(queue) {
      let pending = ensured.get(queue);
      if (!pending) {
        pending = createIfMissing(admin, queue, options.queueDefaults ?? DEFAULT_QUEUE);
        pending.catch(() => ensured.delete(queue));
        ensured.set(queue, pending);
      }
      return pending;
    },
    sender(queue) {
      let existing = senders.get(queue);
      if (!existing) senders.set(queue, (existing = client.createSender(queue)));
      return existing;
    },
    async close() {
      await Promise.all([...senders.values()].map((s) => s.close()));
      senders.clear();
      await client.close();
    },
  };
}

function subscribe(
  ctx: Context,
  queue: string,
  onDelivery: (delivery: Delivery) => Promise<void>,
  prefetch: number,
  onClosed: () => boolean,
): TransportSubscription {
  const receiver = ctx.client.createReceiver(queue, {
    receiveMode: "peekLock",
    maxAutoLockRenewalDurationInMs: ctx.maxLockRenewalMs,
    skipParsingBodyAsJson: true,
  });
  const inFlight = new Set<Promise<void>>();
  const handle = async (message: ServiceBusReceivedMessage) => {
    try {
      await onDelivery(toDelivery(message, receiver, () => ctx.sender(queue)));
    } catch (error) {
      // The lock runs out and Service Bus redelivers; nothing is lost.
      ctx.logger.error({ queue, messageId: message.messageId, err: errorText(error) }, "delivery not settled");
    }
  };
  const running = receiver.subscribe(
    {
      async processMessage(message) {
        const work = handle(message);
        inFlight.add(work);
        await work.finally(() => inFlight.delete(work));
      },
      processError(args) {
        ctx.logger.warn({ queue, source: args.errorSource, err: args.error.message }, "service bus receive error");
        return Promise.resolve();
      },
    },
    { maxConcurrentCalls: prefetch, autoCompleteMessages: false },
  );
  return {
    async close() {
      if (!onClosed()) return;
      // Stopping only suspends the link, so deliveries in flight can still settle before it closes.
      await running.close();
      await Promise.allSettled([...inFlight]);
      await receiver.close();
    },
  };
}

async function depthOf(admin: ServiceBusAdminSurface, queue: string): Promise<QueueDepth> {
  const props = await driverCall("service-bus", "depth", () => admin.getQueueRuntimeProperties(queue));
  return { ready: props.activeMessageCount + props.scheduledMessageCount, deadLettered: props.deadLetterMessageCount };
}

/** A real client and admin client serve topics too; doubles bring theirs explicitly. */
function clientsOf(options: ServiceBusTransportOptions): {
  client: ServiceBusClientSurface;
  admin: ServiceBusAdminSurface;
  topics: ServiceBusTopics | undefined;
} {
  if ("connectionString" in options) {
    const client = new ServiceBusClient(options.connectionString);
    const admin = new ServiceBusAdministrationClient(options.connectionString);
    return { client, admin, topics: { client, admin } };
  }
  return { client: options.client, admin: options.admin, topics: options.topics };
}

async function createIfMissing(admin: ServiceBusAdminSurface, queue: string, defaults: ServiceBusQueueDefaults) {
  await driverCall("service-bus", `create queue ${queue}`, async () => {
    if (await admin.queueExists(queue)) return;
    try {
      await admin.createQueue(queue, { ...defaults });
    } catch (error) {
      // Another process created it between our check and our create.
      if ((error as { code?: unknown }).code !== "MessageEntityAlreadyExistsError") throw error;
    }
  });
}

function toDelivery(
  message: ServiceBusReceivedMessage,
  receiver: ServiceBusReceiverSurface,
  sender: () => ServiceBusSenderSurface,
): Delivery {
  const attempt = attemptOf(message);
  const firstFailedAt = stringProperty(message, PROP.firstFailedAt);
  return {
    messageId: String(message.messageId),
    body: bodyText(message.body),
    attempt,
    firstFailedAt,
    ack: () => driverCall("service-bus", "complete message", () => receiver.completeMessage(message), SETTLE_CODES.ack),
    retry: (delayMs, error) =>
      driverCall("service-bus", "schedule retry", async () => {
        // Proves the lock is still ours: after a lost lock Service Bus redelivers, and a copy would double it.
        await receiver.renewMessageLock(message);
        const properties: Properties = {
          ...message.applicationProperties,
          [PROP.attempt]: attempt + 1,
          [PROP.firstFailedAt]: firstFailedAt ?? new Date().toISOString(),
          [PROP.lastErrorCode]: error.code,
          [PROP.lastErrorMessage]: error.message.slice(0, MAX_REASON_CHARS),
        };
        await sender().scheduleMessages(copyOf(message, properties), new Date(Date.now() + delayMs));
        await receiver.completeMessage(message);
      }, SETTLE_CODES.retry),
    deadLetter: (info) =>
      driverCall("service-bus", "dead-letter message", () =>
        receiver.deadLetterMessage(message, {
          deadLetterReason: info.reason.code.slice(0, MAX_REASON_CHARS),
          deadLetterErrorDescription: info.reason.message.slice(0, MAX_REASON_CHARS),
          [PROP.attempts]: info.attempts,
          [PROP.firstFailedAt]: info.firstFailedAt,
          [PROP.lastFailedAt]: info.lastFailedAt,
        }),
        SETTLE_CODES.deadLetter,
      ),
  };
}

function deadLetterReceiver(ctx: Context, queue: string): ServiceBusReceiverSurface {
  return ctx.client.createReceiver(queue, {
    subQueueType: "deadLetter",
    receiveMode: "peekLock",
    skipParsingBodyAsJson: true,
  });
}

/** Pages through the dead-letter subqueue without locking anything. */
async function peekDeadLetters(ctx: Context, queue: string, limit: number): Promise<ServiceBusReceivedMessage[]> {
  const receiver = deadLetterReceiver(ctx, queue);
  const found: ServiceBusReceivedMessage[] = [];
  try {
    let from: ServiceBusReceivedMessage["sequenceNumber"];
    while (found.length < limit) {
      const page = await receiver.peekMessages(Math.min(PAGE, limit - found.length), from && { fromSequenceNumber: from });
      found.push(...page);
      const last = page.at(-1)?.sequenceNumber;
      if (page.length === 0 || !last) break;
      from = last.add(1);
    }
  } catch (cause) {
    throw busUnavailable("service-bus", "could not read dead letters", cause);
  } finally {
    await receiver.close();
  }
  return found;
}

type Settle = (message: ServiceBusReceivedMessage, receiver: ServiceBusReceiverSurface) => Promise<void>;

/**
 * Settles the dead letters a peek found selected, in dead-letter order. They are locked
 * batch by batch; the others stay locked until the end, so no batch returns them again,
 * and are then abandoned.
 */
async function settleDeadLetters(
  ctx: Context,
  queue: string,
  selector: DeadLetterSelector,
  settle: Settle,
): Promise<string[]> {
  const snapshot = await peekDeadLetters(ctx, queue, Number.POSITIVE_INFINITY);
  const wanted = new Set(snapshot.filter((m) => matches(selector, m)).map(sequenceOf));
  if (wanted.size === 0) return [];
  const receiver = deadLetterReceiver(ctx, queue);
  const held: ServiceBusReceivedMessage[] = [];
  const done: ServiceBusReceivedMessage[] = [];
  try {
    while (done.length < wanted.size) {
      const batch = await receiver.receiveMessages(PAGE, { maxWaitTimeInMs: ctx.receiveWaitMs });
      if (batch.length === 0) break;
      for (const message of batch) {
        if (!wanted.has(sequenceOf(message))) held.push(message);
        else {
          await settle(message, receiver);
          done.push(message);
        }
      }
    }
  } catch (cause) {
    throw busUnavailable("service-bus", "could not settle dead letters", cause);
  } finally {
    await Promise.allSettled(held.map((m) => receiver.abandonMessage(m)));
    await receiver.close();
  }
  return done.sort((a, b) => compareSequence(a, b)).map((m) => String(m.messageId));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
