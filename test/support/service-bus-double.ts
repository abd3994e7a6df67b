/**
 * An in-memory double of the @azure/service-bus 7.x surface the Service Bus transport uses,
 * typed against the SDK's own declarations (through the surface types in lib/bus) and
 * throwing the SDK's own `ServiceBusError`. One namespace holds queues; any number of
 * clients share it, so competing consumers and a "dead process" can be played out.
 *
 * Modelled, after the service's documentation:
 * - peek-lock: a received message carries a lock token and is invisible to other receivers
 *   until its lock (the queue's `lockDuration`, or `lockDurationMs` here) runs out; then it
 *   is redelivered with `deliveryCount` + 1. Abandon does the same at once.
 * - settling (complete, abandon, dead-letter, renew) with a lock that expired or was already
 *   used throws `ServiceBusError` code `MessageLockLost`; peeked messages have no lock token.
 * - a message whose deliveries failed `maxDeliveryCount` times moves to the dead-letter
 *   subqueue with reason `MaxDeliveryCountExceeded`; messages there are never moved again.
 * - the dead-letter subqueue is addressed with `subQueueType: "deadLetter"`, supports peek and
 *   peek-lock receive, and assigns its own sequence numbers (`enqueuedSequenceNumber` keeps
 *   the original); dead-lettering merges the given properties into `applicationProperties`
 *   together with `DeadLetterReason` and `DeadLetterErrorDescription`.
 * - scheduled messages count as scheduled and become active at their time.
 * - peek locks nothing, pages by `fromSequenceNumber`, and continues from where the
 *   receiver's last peek stopped; it also shows locked and scheduled messages.
 * - the SDK's client side: body encoding (Buffer as bytes, anything else JSON-encoded;
 *   JSON parsed back unless `skipParsingBodyAsJson`), `subscribe` with `maxConcurrentCalls`
 *   and `autoCompleteMessages`, a subscription's `close()` suspending delivery while the
 *   receiver can still settle, and automatic lock renewal up to `maxAutoLockRenewalDurationInMs`.
 * - the admin calls `queueExists`, `createQueue` (409 `MessageEntityAlreadyExistsError` on a
 *   duplicate) and `getQueueRuntimeProperties` (active includes locked messages).
 *
 * Not modelled: sessions, topics and subscriptions, transactions, deferral, time-to-live
 * and expiry, duplicate detection, partitions, message batches and AMQP annotated messages,
 * size limits, receiveAndDelete mode, throttling, transient faults and SDK retries.
 */
import Long from "long";
import { ServiceBusError } from "@azure/service-bus";
import type {
  CreateQueueOptions,
  MessageHandlers,
  QueueProperties,
  ServiceBusMessage,
  ServiceBusReceivedMessage,
  ServiceBusReceiverOptions,
  SubscribeOptions,
} from "@azure/service-bus";
import { randomUUID } from "node:crypto";
import type {
  ServiceBusAdminSurface,
  ServiceBusClientSurface,
  ServiceBusReceiverSurface,
  ServiceBusSenderSurface,
} from "../../lib/bus/index.ts";

/** Knobs that make the double fast enough for tests. */
export interface ServiceBusDoubleOptions {
  /** Overrides every queue's `lockDuration`, so lock expiry takes milliseconds. */
  readonly lockDurationMs?: number;
  /** How often receivers look for messages that became available by time. */
  readonly pollMs?: number;
}

/** A client of the double; `kill` plays a process that died without closing anything. */
export interface ServiceBusDoubleClient extends ServiceBusClientSurface {
  /** Stops delivery and lock renewal at once and fails every later call; locks simply run out. */
  kill(): void;
}

/** One Service Bus namespace held in memory. */
export interface ServiceBusNamespaceDouble {
  client(): ServiceBusDoubleClient;
  readonly admin: ServiceBusAdminSurface;
}

type Properties = NonNullable<ServiceBusMessage["applicationProperties"]>;

interface Stored {
  readonly sequenceNumber: number;
  readonly enqueuedSequenceNumber: number;
  readonly enqueuedAt: Date;
  readonly visibleAt: number;
  readonly message: Omit<ServiceBusMessage, "body" | "applicationProperties"> & { readonly body: Buffer };
  applicationProperties: Properties;
  failedDeliveries: number;
  lock: { readonly token: string; until: number } | undefined;
}

interface Entity {
  readonly messages: Stored[];
  nextSequence: number;
}

interface Queue {
  readonly properties: QueueProperties;
  readonly createdAt: Date;
  readonly lockMs: number;
  readonly main: Entity;
  readonly dead: Entity;
}

/** Creates an empty namespace. */
export function createServiceBusNamespace(options: ServiceBusDoubleOptions = {}): ServiceBusNamespaceDouble {
  const queues = new Map<string, Queue>();
  const queueOf = (name: string) => {
    const queue = queues.get(name);
    if (!queue) throw new ServiceBusError(`The messaging entity '${name}' could not be found.`, "MessagingEntityNotFound");
    return queue;
  };
  const world: World = { queueOf, pollMs: options.pollMs ?? 5 };
  return {
    client: () => createClient(world),
    admin: {
      async queueExists(name) {
        await roundTrip();
        return queues.has(name);
      },
      async createQueue(name, createOptions) {
        await roundTrip();
        if (queues.has(name)) throw restError(409, "MessageEntityAlreadyExistsError", `Queue '${name}' already exists.`);
        const properties = queueProperties(name, createOptions ?? {});
        const lockMs = options.lockDurationMs ?? parseDuration(properties.lockDuration);
        queues.set(name, { properties, createdAt: new Date(), lockMs, main: entity(), dead: entity() });
        return properties;
      },
      async getQueueRuntimeProperties(name) {
        await roundTrip();
        const queue = queues.get(name);
        if (!queue) throw restError(404, "MessageEntityNotFoundError", `Queue '${name}' was not found.`);
        expireLocks(queue);
        const now = Date.now();
        const scheduled = queue.main.messages.filter((m) => m.visibleAt > now).length;
        return {
          name,
          createdAt: queue.createdAt,
          modifiedAt: queue.createdAt,
          accessedAt: new Date(),
          totalMessageCount: queue.main.messages.length + queue.dead.messages.length,
          activeMessageCount: queue.main.messages.length - scheduled,
          scheduledMessageCount: scheduled,
          deadLetterMessageCount: queue.dead.messages.length,
          transferMessageCount: 0,
          transferDeadLetterMessageCount: 0,
          sizeInBytes: [...queue.main.messages, ...queue.dead.messages].reduce((n, m) => n + m.message.body.length, 0),
        };
      },
    },
  };
}

interface World {
  readonly queueOf: (name: string) => Queue;
  readonly pollMs: number;
}

interface ClientState {
  dead: boolean;
  readonly timers: Set<NodeJS.Timeout>;
}

function createClient(world: World): ServiceBusDoubleClient {
  const state: ClientState = { dead: false, timers: new Set() };
  const closers = new Set<() => Promise<void>>();
  return {
    createSender(name) {
      const sender = createSender(world, state, name);
      closers.add(() => sender.close());
      return sender;
    },
    createReceiver(name, receiverOptions) {
      const receiver = createReceiver(world, state, name, receiverOptions ?? {});
      closers.add(() => receiver.close());
      return receiver;
    },
    async close() {
      await Promise.all([...closers].map((close) => close()));
      stopTimers(state);
    },
    kill() {
      state.dead = true;
      stopTimers(state);
    },
  };
}

function createSender(world: World, state: ClientState, name: string): ServiceBusSenderSurface {
  let closed = false;
  const enqueue = (messages: unknown, visibleAt: number) => {
    assertOpen(state, closed, "sender");
    const list = (Array.isArray(messages) ? messages : [messages]) as ServiceBusMessage[];
    if (list.some((m) => "tryAddMessage" in m)) throw new Error("the double does not model message batches");
    const main = world.queueOf(name).main;
    return list.map((m) => Long.fromNumber(add(main, encode(m), m.applicationProperties ?? {}, visibleAt).sequenceNumber));
  };
  return {
    async sendMessages(messages) {
      await roundTrip();
      enqueue(messages, 0);
    },
    async scheduleMessages(messages, at) {
      await roundTrip();
      return enqueue(messages, at.getTime());
    },
    async close() {
      await roundTrip();
      closed = true;
    },
  };
}

function createReceiver(
  world: World,
  state: ClientState,
  name: string,
  options: ServiceBusReceiverOptions,
): ServiceBusReceiverSurface {
  const dlq = options.subQueueType === "deadLetter";
  const entityPath = dlq ? `${name}/$deadletterqueue` : name;
  let closed = false;
  let peekFrom = 0;
  const target = () => {
    assertOpen(state, closed, "receiver");
    const queue = world.queueOf(name);
    expireLocks(queue);
    return { queue, entity: dlq ? queue.dead : queue.main };
  };
  const view = (m: Stored) => toReceived(m, options.skipParsingBodyAsJson ?? false);
  const take = (max: number) => {
    const { queue, entity } = target();
    const now = Date.now();
    const free = entity.messages.filter((m) => !m.lock && m.visibleAt <= now).slice(0, max);
    for (const m of free) {
      m.lock = { token: randomUUID(), until: now + queue.lockMs };
      renewAutomatically(state, queue, m, options.maxAutoLockRenewalDurationInMs ?? 5 * 60_000, () => closed);
    }
    return free.map(view);
  };
  const settle = (message: ServiceBusReceivedMessage, action: (queue: Queue, entity: Entity, m: Stored) => void) => {
    if (!message.lockToken) throw new Error("a peeked message has no lock and cannot be settled");
    const { queue, entity } = target();
    const m = entity.messages.find((s) => s.lock?.token === message.lockToken);
    if (!m) throw lockLost();
    action(queue, entity, m);
  };
  return {
    subscribe(handlers, subscribeOptions) {
      assertOpen(state, closed, "receiver");
      return pump(world, state, take, settle, handlers, { entityPath, ...subscribeOptions });
    },
    async receiveMessages(max, receiveOptions) {
      const deadline = Date.now() + (receiveOptions?.maxWaitTimeInMs ?? 60_000);
      for (;;) {
        const got = take(max);
        if (got.length > 0 || Date.now() >= deadline) return got;
        await new Promise((resolve) => setTimeout(resolve, world.pollMs));
      }
    },
    async peekMessages(max, peekOptions) {
      await roundTrip();
      const { entity } = target();
      const from = peekOptions?.fromSequenceNumber?.toNumber() ?? peekFrom;
      const page = entity.messages.filter((m) => m.sequenceNumber >= from).slice(0, max);
      peekFrom = (page.at(-1)?.sequenceNumber ?? from - 1) + 1;
      return page.map((m) => ({ ...view(m), lockToken: undefined, lockedUntilUtc: undefined }));
    },
    async completeMessage(message) {
      await roundTrip();
      settle(message, (_queue, entity, m) => remove(entity, m));
    },
    async abandonMessage(message, propertiesToModify) {
      await roundTrip();
      settle(message, (queue, entity, m) => {
        m.applicationProperties = { ...m.applicationProperties, ...propertiesToModify };
        failDelivery(queue, entity, m);
      });
    },
    async deadLetterMessage(message, deadLetterOptions) {
      await roundTrip();
      settle(message, (queue, entity, m) => {
        if (entity === queue.dead) throw new ServiceBusError("a dead letter cannot be dead-lettered", "GeneralError");
        const { deadLetterReason, deadLetterErrorDescription, ...properties } = deadLetterOptions ?? {};
        moveToDeadLetters(queue, m, deadLetterReason, deadLetterErrorDescription, properties);
      });
    },
    async renewMessageLock(message) {
      await roundTrip();
      let until = new Date();
      settle(message, (queue, _entity, m) => {
        until = new Date(renew(queue, m));
      });
      return until;
    },
    async close() {
      await roundTrip();
      closed = true;
    },
  };
}

type Take = (max: number) => ServiceBusReceivedMessage[];
type Settle = (message: ServiceBusReceivedMessage, action: (queue: Queue, entity: Entity, m: Stored) => void) => void;

/** The SDK's streaming receiver: at most `maxConcurrentCalls` handlers, fed as messages become free. */
function pump(
  world: World,
  state: ClientState,
  take: Take,
  settle: Settle,
  handlers: MessageHandlers,
  options: SubscribeOptions & { readonly entityPath: string },
): { close(): Promise<void> } {
  const limit = options.maxConcurrentCalls ?? 1;
  const autoComplete = options.autoCompleteMessages ?? true;
  let running = 0;
  let stopped = false;
  const report = (error: unknown, errorSource: "processMessageCallback" | "receive" | "complete" | "abandon") =>
    void handlers.processError({
      error: error instanceof Error ? error : new Error(String(error)),
      errorSource,
      entityPath: options.entityPath,
      fullyQualifiedNamespace: "double.servicebus.windows.net",
      identifier: "double",
    });
  const handle = async (message: ServiceBusReceivedMessage) => {
    try {
      await handlers.processMessage(message);
      if (autoComplete) settle(message, (_queue, entity, m) => remove(entity, m));
    } catch (error) {
      report(error, "processMessageCallback");
      if (autoComplete) {
        try {
          settle(message, (queue, entity, m) => failDelivery(queue, entity, m));
        } catch (abandonError) {
          report(abandonError, "abandon");
        }
      }
    }
  };
  const tick = () => {
    if (stopped || state.dead) return;
    try {
      for (const message of take(limit - running)) {
        running++;
        void handle(message).finally(() => {
          running--;
          tick();
        });
      }
    } catch (error) {
      report(error, "receive");
    }
  };
  const timer = setInterval(tick, world.pollMs);
  state.timers.add(timer);
  setImmediate(tick);
  return {
    async close() {
      stopped = true;
      clearInterval(timer);
      state.timers.delete(timer);
      await roundTrip();
    },
  };
}

/** The SDK's lock renewer: renews at half the lock's remaining time until settled or out of budget. */
function renewAutomatically(state: ClientState, queue: Queue, m: Stored, budgetMs: number, closed: () => boolean) {
  if (budgetMs <= 0 || !m.lock) return;
  const token = m.lock.token;
  const stopAt = Date.now() + budgetMs;
  const schedule = () => {
    const timer = setTimeout(() => {
      state.timers.delete(timer);
      if (state.dead || closed() || m.lock?.token !== token || m.lock.until <= Date.now() || Date.now() >= stopAt) return;
      renew(queue, m);
      schedule();
    }, queue.lockMs / 2);
    state.timers.add(timer);
  };
  schedule();
}

/** Every call is a network round trip: its effect is never visible before the caller yields. */
function roundTrip(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function entity(): Entity {
  return { messages: [], nextSequence: 1 };
}

function add(target: Entity, message: Stored["message"], properties: Properties, visibleAt: number, from?: Stored): Stored {
  const sequenceNumber = target.nextSequence++;
  const stored: Stored = {
    sequenceNumber,
    enqueuedSequenceNumber: from?.enqueuedSequenceNumber ?? sequenceNumber,
    enqueuedAt: from?.enqueuedAt ?? new Date(),
    visibleAt,
    message,
    applicationProperties: { ...properties },
    failedDeliveries: from?.failedDeliveries ?? 0,
    lock: undefined,
  };
  target.messages.push(stored);
  return stored;
}

function encode(m: ServiceBusMessage): Stored["message"] {
  const raw = m.body as unknown;
  const body = raw instanceof Uint8Array ? Buffer.from(raw) : Buffer.from(JSON.stringify(raw), "utf8");
  const { messageId, contentType, correlationId, subject, to, replyTo, timeToLive, scheduledEnqueueTimeUtc } = m;
  return { messageId, contentType, correlationId, subject, to, replyTo, timeToLive, scheduledEnqueueTimeUtc, body };
}

function toReceived(m: Stored, skipParsing: boolean): ServiceBusReceivedMessage {
  const body = skipParsing ? Buffer.from(m.message.body) : parseJson(m.message.body);
  const applicationProperties = { ...m.applicationProperties };
  const reason = applicationProperties.DeadLetterReason;
  const description = applicationProperties.DeadLetterErrorDescription;
  return {
    ...m.message,
    body,
    applicationProperties,
    lockToken: m.lock?.token,
    lockedUntilUtc: m.lock && new Date(m.lock.until),
    deliveryCount: m.failedDeliveries + (m.lock ? 1 : 0),
    enqueuedTimeUtc: m.enqueuedAt,
    sequenceNumber: Long.fromNumber(m.sequenceNumber),
    enqueuedSequenceNumber: m.enqueuedSequenceNumber,
    state: m.visibleAt > Date.now() ? "scheduled" : "active",
    deadLetterReason: typeof reason === "string" ? reason : undefined,
    deadLetterErrorDescription: typeof description === "string" ? description : undefined,
    _rawAmqpMessage: {
      body: m.message.body,
      bodyType: "data",
      header: { deliveryCount: m.failedDeliveries },
      applicationProperties,
      properties: { messageId: m.message.messageId, contentType: m.message.contentType, subject: m.message.subject },
    },
  };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    return body;
  }
}

function expireLocks(queue: Queue) {
  const now = Date.now();
  for (const target of [queue.main, queue.dead]) {
    for (const m of [...target.messages]) if (m.lock && m.lock.until <= now) failDelivery(queue, target, m);
  }
}

/** Lock expiry and abandon: the delivery counts as failed; too many failures dead-letter the message. */
function failDelivery(queue: Queue, target: Entity, m: Stored) {
  m.lock = undefined;
  m.failedDeliveries++;
  if (target === queue.main && m.failedDeliveries >= queue.properties.maxDeliveryCount) {
    moveToDeadLetters(
      queue,
      m,
      "MaxDeliveryCountExceeded",
      `Message could not be consumed after ${queue.properties.maxDeliveryCount} delivery attempts.`,
      {},
    );
  }
}

function moveToDeadLetters(
  queue: Queue,
  m: Stored,
  reason: string | undefined,
  description: string | undefined,
  properties: Properties,
) {
  remove(queue.main, m);
  const merged: Properties = {
    ...m.applicationProperties,
    ...properties,
    ...(reason === undefined ? {} : { DeadLetterReason: reason }),
    ...(description === undefined ? {} : { DeadLetterErrorDescription: description }),
  };
  add(queue.dead, m.message, merged, 0, m);
}

function renew(queue: Queue, m: Stored): number {
  if (!m.lock) throw lockLost();
  m.lock.until = Date.now() + queue.lockMs;
  return m.lock.until;
}

function remove(target: Entity, m: Stored) {
  m.lock = undefined;
  const index = target.messages.indexOf(m);
  if (index >= 0) target.messages.splice(index, 1);
}

function queueProperties(name: string, o: CreateQueueOptions): QueueProperties {
  return {
    name,
    lockDuration: o.lockDuration ?? "PT1M",
    maxSizeInMegabytes: o.maxSizeInMegabytes ?? 1024,
    requiresDuplicateDetection: o.requiresDuplicateDetection ?? false,
    requiresSession: o.requiresSession ?? false,
    defaultMessageTimeToLive: o.defaultMessageTimeToLive ?? "P10675199DT2H48M5.4775807S",
    deadLetteringOnMessageExpiration: o.deadLetteringOnMessageExpiration ?? false,
    duplicateDetectionHistoryTimeWindow: o.duplicateDetectionHistoryTimeWindow ?? "PT10M",
    maxDeliveryCount: o.maxDeliveryCount ?? 10,
    enableBatchedOperations: o.enableBatchedOperations ?? true,
    status: o.status ?? "Active",
    userMetadata: o.userMetadata ?? "",
    autoDeleteOnIdle: o.autoDeleteOnIdle ?? "P10675199DT2H48M5.4775807S",
    enablePartitioning: o.enablePartitioning ?? false,
    enableExpress: o.enableExpress ?? false,
    availabilityStatus: "Available",
  };
}

/** Reads the ISO 8601 durations the admin API uses (`PT30S`, `PT1M`, `P1DT2H`). */
function parseDuration(text: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!match) throw new Error(`not an ISO 8601 duration: ${text}`);
  const [, d = "0", h = "0", m = "0", s = "0"] = match;
  return (((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60 + Number(s)) * 1000;
}

function assertOpen(state: ClientState, closed: boolean, what: string) {
  if (state.dead) throw new ServiceBusError("the connection was lost", "ServiceCommunicationProblem");
  if (closed) throw new Error(`The ${what} has been closed and can no longer be used.`);
}

function stopTimers(state: ClientState) {
  for (const timer of state.timers) clearTimeout(timer);
  state.timers.clear();
}

function lockLost(): ServiceBusError {
  return new ServiceBusError(
    "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.",
    "MessageLockLost",
  );
}

function restError(statusCode: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { name: "RestError", statusCode, code });
}
