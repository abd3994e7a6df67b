import { EventEmitter, once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "amqplib";
import type { Channel, ChannelModel, ConfirmChannel, Message, Options } from "amqplib";
import { AppError, describeError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import { backoffDelay, busClosed, busUnavailable } from "./transport-kit.ts";
import type { BackoffPolicy } from "./transport-kit.ts";

/** One live connection and the confirm channel every publish goes through. */
export interface AmqpSession {
  readonly model: ChannelModel;
  readonly confirm: ConfirmChannel;
}

/** What {@link createAmqpLink} needs. */
export interface AmqpLinkOptions {
  readonly url: string;
  readonly logger: Logger;
  /** Shown by the broker (`rabbitmqctl list_connections client_properties`). */
  readonly connectionName: string;
  readonly reconnect: BackoffPolicy;
}

/**
 * A connection to RabbitMQ that heals itself: after a loss it reconnects with backoff and
 * jitter until closed, and tells its listeners about every new session so they can re-open
 * their channels. Nothing here buffers messages: while disconnected, callers wait for the
 * next session up to their own deadline.
 */
export interface AmqpLink {
  /** The session now, or undefined while disconnected. */
  current(): AmqpSession | undefined;
  /** The current session, or the next one if it arrives within `timeoutMs`. */
  session(timeoutMs: number): Promise<AmqpSession>;
  /** Resolves once the first connection attempt has succeeded or failed. */
  started(): Promise<void>;
  /** Calls `listener` with every session from now on (not the current one); returns the unsubscribe. */
  onSession(listener: (session: AmqpSession) => void): () => void;
  /** Sends to a queue through the default exchange; resolves only on the broker's confirm. */
  publish(queue: string, content: Buffer, options: Options.Publish, timeoutMs: number): Promise<void>;
  /** Runs `fn` on a channel of its own, closed afterwards (which requeues whatever it left unacked). */
  withChannel<T>(timeoutMs: number, fn: (channel: Channel) => Promise<T>): Promise<T>;
  /** Stops reconnecting and closes the connection. */
  close(): Promise<void>;
}

/** A message the broker could not route (its queue is gone) is returned before it is confirmed. */
export const UNROUTABLE = "BUS_UNROUTABLE";

/** Creates the link; the first connection attempt starts on first use. */
export function createAmqpLink(options: AmqpLinkOptions): AmqpLink {
  const logger = options.logger;
  const events = new EventEmitter<{ session: [AmqpSession] }>();
  events.setMaxListeners(0);
  const stopping = new AbortController();
  let current: AmqpSession | undefined;
  let loop: Promise<void> | undefined;
  let markStarted!: () => void;
  const startedOnce = new Promise<void>((resolve) => (markStarted = resolve));
  const returned = new WeakMap<ConfirmChannel, Set<string>>();

  function start(): void {
    if (loop || stopping.signal.aborted) return;
    loop = run().catch((error: unknown) => logger.error({ err: describeError(error).message }, "amqp link stopped"));
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      const opened = await openSession(options, returned).catch((error: unknown) => {
        logger.warn({ err: describeError(error).message, failures: failures + 1 }, "amqp connection failed");
        return undefined;
      });
      markStarted();
      if (opened) {
        failures = 0;
        if (stopping.signal.aborted) {
          await opened.session.model.close().catch(() => undefined);
          break;
        }
        current = opened.session;
        logger.info({ connection: options.connectionName }, "amqp connected");
        events.emit("session", opened.session);
        const error = await opened.lost;
        current = undefined;
        if (stopping.signal.aborted) break;
        logger.warn({ err: error ? describeError(error).message : "closed" }, "amqp connection lost; reconnecting");
      }
      failures++;
      await sleep(backoffDelay(failures, options.reconnect), undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  }

  async function session(timeoutMs: number): Promise<AmqpSession> {
    if (stopping.signal.aborted) throw busClosed("amqp");
    start();
    if (current) return current;
    try {
      const signal = AbortSignal.any([AbortSignal.timeout(Math.max(1, timeoutMs)), stopping.signal]);
      const [next] = (await once(events, "session", { signal })) as [AmqpSession];
      return next;
    } catch (cause) {
      if (stopping.signal.aborted) throw busClosed("amqp");
      throw busUnavailable("amqp", `no connection to RabbitMQ within ${timeoutMs} ms`, cause);
    }
  }

  return {
    current: () => current,
    session,
    started() {
      start();
      return startedOnce;
    },
    onSession(listener) {
      events.on("session", listener);
      return () => events.off("session", listener);
    },
    async publish(queue, content, publishOptions, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const { confirm } = await session(timeoutMs);
      await confirmed(confirm, returned.get(confirm), queue, content, publishOptions, deadline - Date.now());
    },
    async withChannel(timeoutMs, fn) {
      const { model } = await session(timeoutMs);
      const channel = await model.createChannel().catch((cause: unknown) => {
        throw busUnavailable("amqp", "cannot open an amqp channel", cause);
      });
      channel.on("error", (error: Error) => logger.warn({ err: error.message }, "amqp channel error"));
      try {
        return await fn(channel);
      } finally {
        await channel.close().catch(() => undefined);
      }
    },
    async close() {
      stopping.abort();
      markStarted();
      await current?.model.close().catch(() => undefined);
      await loop;
    },
  };
}

/** Connects and opens the publish channel; `lost` resolves when the connection closes. */
async function openSession(
  options: AmqpLinkOptions,
  returned: WeakMap<ConfirmChannel, Set<string>>,
): Promise<{ session: AmqpSession; lost: Promise<Error | undefined> }> {
  const logger = options.logger;
  const model = await connect(options.url, { clientProperties: { connection_name: options.connectionName } });
  model.on("error", (error: Error) => logger.debug({ err: error.message }, "amqp connection error"));
  const lost = new Promise<Error | undefined>((resolve) => model.once("close", resolve));
  try {
    const confirm = await model.createConfirmChannel();
    const unroutable = new Set<string>();
    returned.set(confirm, unroutable);
    confirm.on("error", (error: Error) => logger.warn({ err: error.message }, "amqp publish channel error"));
    confirm.on("return", (message: Message) => unroutable.add(returnKey(message.fields.routingKey, message)));
    // A publish channel closed under a live connection cannot publish again: start over.
    confirm.on("close", () => void model.close().catch(() => undefined));
    return { session: { model, confirm }, lost };
  } catch (error) {
    await model.close().catch(() => undefined);
    throw error;
  }
}

/**
 * One publish and its confirm. amqplib fails the callback when the channel closes with the
 * message unconfirmed; the timer covers a broker that neither confirms nor closes.
 */
function confirmed(
  channel: ConfirmChannel,
  unroutable: Set<string> | undefined,
  queue: string,
  content: Buffer,
  options: Options.Publish,
  timeoutMs: number,
): Promise<void> {
  const key = `${queue}\u0000${options.messageId ?? ""}`;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(busUnavailable("amqp", `no publisher confirm within ${timeoutMs} ms`)), Math.max(1, timeoutMs));
    const settle = (error: unknown) => {
      clearTimeout(timer);
      if (unroutable?.delete(key)) reject(new AppError(UNROUTABLE, `queue ${queue} does not exist`, { retryable: true }));
      else if (error instanceof Error && error.message === "message nacked") reject(rejectedError(queue, error));
      else if (error) reject(busUnavailable("amqp", "the broker did not confirm the message", error));
      else resolve();
    };
    try {
      channel.sendToQueue(queue, content, options, settle);
    } catch (error) {
      settle(error);
    }
  });
}

function returnKey(queue: string, message: Message): string {
  return `${queue}\u0000${String(message.properties.messageId ?? "")}`;
}

/** The broker refused the message (a queue length limit with `reject-publish`, for one). */
function rejectedError(queue: string, cause: Error): AppError {
  return new AppError("BUS_REJECTED", `the broker refused a message for ${queue}`, { retryable: true, status: 503, cause });
}
