import { AppError, describeError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import { backoffDelay } from "./transport-kit.ts";
import type { BackoffPolicy } from "./transport-kit.ts";
import type { Envelope } from "./envelope.ts";
import type { DeadLetter, DeadLetterSelector, Delivery, QueueDepth, Transport } from "./port.ts";
import type { MessageValidator } from "./validator.ts";

/** What a handler gets besides the message. */
export interface MessageContext {
  readonly logger: Logger;
  /** Aborted when the consumer is closing and the handler should wrap up. */
  readonly signal: AbortSignal;
  readonly attempt: number;
  readonly queue: string;
}

/** Handles one message; throwing an error whose `retryable` is false dead-letters at once. */
export type MessageHandler = (message: Envelope, ctx: MessageContext) => Promise<void>;

/** Outcomes counted per queue. */
export const MESSAGE_OUTCOMES = ["handled", "failed", "retried", "dead_lettered"] as const;
export type MessageOutcome = (typeof MESSAGE_OUTCOMES)[number];

/** Receives every outcome, for metrics. */
export interface BusObserver {
  outcome(queue: string, outcome: MessageOutcome, seconds: number): void;
}

/** How one consumer runs. */
export interface ConsumeOptions {
  /** Messages handled at once by this process (and the broker prefetch). */
  readonly concurrency?: number;
  /** Attempts before a retryable failure is dead-lettered. */
  readonly maxAttempts?: number;
  readonly backoff?: BackoffPolicy;
}

/** A running consumer. */
export interface Consumer {
  /** Stops taking messages, lets the ones in flight finish, then resolves. */
  close(): Promise<void>;
}

/** Operator access to a queue's dead letters. */
export interface DeadLetters {
  list(queue: string, options?: { readonly limit?: number }): Promise<DeadLetter[]>;
  get(queue: string, messageId: string): Promise<DeadLetter | undefined>;
  replay(queue: string, selector: DeadLetterSelector): Promise<string[]>;
  purge(queue: string, selector: DeadLetterSelector): Promise<string[]>;
}

/** The message bus the services use: validated envelopes over any transport. */
export interface Bus {
  readonly transport: string;
  /** The broker's name for a logical queue (the configured prefix applied). */
  queueName(queue: string): string;
  /**
   * Validates and sends; resolves once the broker has the message durably (or, `transient`,
   * in memory: for a sender whose own timeout and retry cover a loss).
   */
  publish(queue: string, message: Envelope, options?: { readonly transient?: boolean }): Promise<void>;
  consume(queue: string, handler: MessageHandler, options?: ConsumeOptions): Promise<Consumer>;
  depth(queue: string): Promise<QueueDepth>;
  readonly deadLetters: DeadLetters;
  /** Whether the transport can {@link Bus.broadcast}. */
  readonly canBroadcast: boolean;
  /**
   * Validates and fans out to every instance subscribed to `topic` (not durable); throws
   * BUS_BROADCAST_UNSUPPORTED when the transport has no fan-out.
   */
  broadcast(topic: string, message: Envelope, options?: { readonly confirm?: boolean }): Promise<void>;
  /** Calls `handler` with every valid envelope broadcast on `topic` from now on; invalid ones are logged and dropped. */
  subscribeBroadcast(topic: string, instanceId: string, handler: (message: Envelope) => void): Promise<Consumer>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Defaults for {@link ConsumeOptions}. */
export const DEFAULT_CONSUME = { concurrency: 4, maxAttempts: 5, backoff: { baseMs: 1000, maxMs: 60_000 } } as const;
export interface BusDeps {
  readonly transport: Transport;
  readonly validator: MessageValidator;
  readonly logger: Logger;
  readonly observer?: BusObserver;
  /** Prepended to every queue name, so test runs and environments never share queues. */
  readonly queuePrefix?: string;
}

/** Wraps a transport with envelope validation, retries with backoff, and dead-lettering. */
export function createBus(deps: BusDeps): Bus {
  const { transport, validator } = deps;
  const name = (queue: string) => `${deps.queuePrefix ?? ""}${queue}`;
  const consumers = new Set<Consumer>();
  return {
    transport: transport.name,
    queueName: name,
    async publish(queue, message, options) {
      const envelope = validator.validate(message);
      await transport.send(name(queue), {
        messageId: envelope.id,
        type: envelope.type,
        correlationId: envelope.correlationId,
        body: JSON.stringify(envelope),
        ...(options?.transient === true ? { transient: true } : {}),
      });
    },
    async consume(queue, handler, options = {}) {
      const settings = { ...DEFAULT_CONSUME, ...options };
      const stopping = new AbortController();
      const subscription = await transport.consume(
        name(queue),
        (delivery) => deliver(deps, queue, handler, settings, stopping.signal, delivery),
        { prefetch: settings.concurrency },
      );
      const consumer: Consumer = {
        async close() {
          consumers.delete(consumer);
          await subscription.close();
          stopping.abort();
        },
      };
      consumers.add(consumer);
      return consumer;
    },
    depth: (queue) => transport.depth(name(queue)),
    deadLetters: {
      list: (queue, options) => transport.listDeadLetters(name(queue), { limit: options?.limit ?? 100 }),
      get: (queue, id) => transport.getDeadLetter(name(queue), id),
      replay: (queue, selector) => transport.replayDeadLetters(name(queue), selector),
      purge: (queue, selector) => transport.purgeDeadLetters(name(queue), selector),
    },
    canBroadcast: transport.broadcast !== undefined && transport.subscribeBroadcast !== undefined,
    async broadcast(topic, message, options) {
      const envelope = validator.validate(message);
      if (transport.broadcast === undefined) throw unsupported(transport.name);
      await transport.broadcast(name(topic), JSON.stringify(envelope), options);
    },
    async subscribeBroadcast(topic, instanceId, handler) {
      if (transport.subscribeBroadcast === undefined) throw unsupported(transport.name);
      const logger = deps.logger.child({ topic });
      const subscription = await transport.subscribeBroadcast(name(topic), instanceId, (body) => {
        let envelope: Envelope;
        try {
          envelope = validator.validate(parseJson(body));
        } catch (error) {
          logger.warn({ err: describeError(error).message }, "invalid broadcast dropped");
          return;
        }
        handler(envelope);
      });
      const consumer: Consumer = {
        async close() {
          consumers.delete(consumer);
          await subscription.close();
        },
      };
      consumers.add(consumer);
      return consumer;
    },
    ping: () => transport.ping(),
    async close() {
      await Promise.all([...consumers].map((c) => c.close()));
      await transport.close();
    },
  };
}

type Settings = Required<Pick<ConsumeOptions, "maxAttempts" | "backoff">>;

async function deliver(
  deps: BusDeps,
  queue: string,
  handler: MessageHandler,
  settings: Settings,
  signal: AbortSignal,
  delivery: Delivery,
): Promise<void> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const base = deps.logger.child({ queue, messageId: delivery.messageId, attempt: delivery.attempt });
  let envelope: Envelope;
  try {
    envelope = deps.validator.validate(parseJson(delivery.body));
  } catch (error) {
    const reason = describeError(error);
    base.warn({ code: reason.code, err: reason.message }, "invalid message dead-lettered");
    await delivery.deadLetter(failure(delivery, reason));
    deps.observer?.outcome(queue, "dead_lettered", seconds());
    return;
  }
  const logger = base.child({ correlationId: envelope.correlationId, type: envelope.type });
  try {
    await handler(envelope, { logger, signal, attempt: delivery.attempt, queue });
    await delivery.ack();
    deps.observer?.outcome(queue, "handled", seconds());
  } catch (error) {
    const reason = describeError(error);
    deps.observer?.outcome(queue, "failed", seconds());
    if (reason.retryable && delivery.attempt < settings.maxAttempts) {
      const delay = backoffDelay(delivery.attempt, settings.backoff);
      logger.warn({ code: reason.code, err: reason.message, delayMs: delay }, "handler failed; retrying");
      await delivery.retry(delay, { code: reason.code, message: reason.message });
      deps.observer?.outcome(queue, "retried", seconds());
    } else {
      logger.error({ code: reason.code, err: reason.message }, "handler failed; dead-lettered");
      await delivery.deadLetter(failure(delivery, reason));
      deps.observer?.outcome(queue, "dead_lettered", seconds());
    }
  }
}

function failure(delivery: Delivery, reason: { code: string; message: string }) {
  const now = new Date().toISOString();
  return {
    reason: { code: reason.code, message: reason.message },
    attempts: delivery.attempt,
    firstFailedAt: delivery.firstFailedAt ?? now,
    lastFailedAt: now,
  };
}

function unsupported(transport: string): AppError {
  return new AppError("BUS_BROADCAST_UNSUPPORTED", `the ${transport} transport has no broadcast`);
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch (cause) {
    throw new AppError("MESSAGE_NOT_JSON", "message body is not JSON", { cause });
  }
}
