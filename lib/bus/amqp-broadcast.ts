import { randomUUID } from "node:crypto";
import type { Channel, ConfirmChannel, ConsumeMessage } from "amqplib";
import type { Logger } from "../log/index.ts";
import type { AmqpLink, AmqpSession } from "./amqp-link.ts";
import type { BroadcastCapability, TransportSubscription } from "./port.ts";
import { busUnavailable, driverCall } from "./transport-kit.ts";

/**
 * Fan-out over RabbitMQ: one durable fanout exchange per topic, and per subscribing instance
 * an exclusive, auto-deleted queue bound to it, so every instance gets a copy and a dead
 * instance leaves nothing behind. Messages are transient: a broadcast is live delivery only.
 */
export function amqpBroadcast(link: AmqpLink, logger: Logger, timeoutMs: number): BroadcastCapability & { close(): Promise<void> } {
  // Exchanges are per session: a broker that lost them (a reset) needs them declared again.
  let declared = new WeakMap<AmqpSession, Map<string, Promise<void>>>();
  const subscriptions = new Set<TransportSubscription>();

  function ensureExchange(session: AmqpSession, topic: string): Promise<void> {
    let known = declared.get(session);
    if (known === undefined) declared.set(session, (known = new Map<string, Promise<void>>()));
    const existing = known.get(topic);
    if (existing) return existing;
    const declaring = driverCall("amqp", "declare exchange", () =>
      link.withChannel(timeoutMs, async (channel) => {
        await channel.assertExchange(topic, "fanout", { durable: true });
      }),
    );
    known.set(topic, declaring);
    declaring.catch(() => known.delete(topic));
    return declaring;
  }

  // A channel of its own: RabbitMQ confirms in order per channel, so on the shared one a
  // transient broadcast would wait for the disk write of every persistent message before it.
  const channels = new WeakMap<AmqpSession, Promise<ConfirmChannel>>();
  const confirmChannel = (session: AmqpSession) => {
    let pending = channels.get(session);
    if (!pending) {
      pending = driverCall("amqp", "open broadcast channel", async () => {
        const channel = await session.model.createConfirmChannel();
        channel.on("error", (error: Error) => logger.warn({ err: error.message }, "amqp broadcast publish channel error"));
        channel.on("close", () => channels.delete(session));
        return channel;
      });
      pending.catch(() => channels.delete(session));
      channels.set(session, pending);
    }
    return pending;
  };

  return {
    async broadcast(topic, body, options) {
      const deadline = Date.now() + timeoutMs;
      const session = await link.session(timeoutMs);
      await ensureExchange(session, topic);
      const channel = await confirmChannel(session);
      const content = Buffer.from(body, "utf8");
      if (options?.confirm === false) {
        // Fire and forget: the broker still confirms, nobody waits for it.
        channel.publish(topic, "", content, { persistent: false, contentType: "application/json" }, () => undefined);
        return;
      }
      await publishConfirmed(channel, topic, content, Math.max(1, deadline - Date.now()));
    },
    async subscribeBroadcast(topic, instanceId, onMessage) {
      const subscription = await subscribe({ link, logger: logger.child({ topic }), topic, instanceId, timeoutMs, onMessage });
      subscriptions.add(subscription);
      return {
        async close() {
          subscriptions.delete(subscription);
          await subscription.close();
        },
      };
    },
    async close() {
      await Promise.allSettled([...subscriptions].map((s) => s.close()));
      subscriptions.clear();
      declared = new WeakMap();
    },
  };
}

function publishConfirmed(channel: ConfirmChannel, exchange: string, content: Buffer, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(busUnavailable("amqp", `no publisher confirm within ${timeoutMs} ms`)), timeoutMs);
    const settle = (error: unknown) => {
      clearTimeout(timer);
      if (error) reject(busUnavailable("amqp", "the broker did not confirm the broadcast", error));
      else resolve();
    };
    try {
      channel.publish(exchange, "", content, { persistent: false, contentType: "application/json" }, settle);
    } catch (error) {
      settle(error);
    }
  });
}

const RETRY_MS = 250;

interface SubscribeOptions {
  readonly link: AmqpLink;
  readonly logger: Logger;
  readonly topic: string;
  readonly instanceId: string;
  readonly timeoutMs: number;
  readonly onMessage: (body: string) => void;
}

/** Binds a queue of this instance on every session, the first one before resolving. */
async function subscribe(options: SubscribeOptions): Promise<TransportSubscription> {
  const { link, logger, topic } = options;
  const queuePrefix = `${topic}.${options.instanceId}`;
  let channel: Channel | undefined;
  let closed = false;
  // The first session reaches both the listener and the initial call; bind it once.
  const attaching = new WeakMap<AmqpSession, Promise<void>>();
  const attach = (session: AmqpSession) => {
    const known = attaching.get(session);
    if (known) return known;
    const started = bind(session);
    attaching.set(session, started);
    return started;
  };
  const bind = async (session: AmqpSession) => {
    const opened = await session.model.createChannel();
    opened.on("error", (error: Error) => logger.warn({ err: error.message }, "amqp broadcast channel error"));
    // A channel the broker closes (its queue vanished while the broker was booting) cancels no
    // consumer; without this the instance would stay deaf on a connection that looks healthy.
    opened.on("close", () => {
      if (!closed && channel === opened) {
        channel = undefined;
        rebind(session, "the broadcast channel closed");
      }
    });
    await opened.assertExchange(topic, "fanout", { durable: true });
    // A new name per binding: a broker that is still booting deletes the transient queues it had
    // before the restart, and would take a same-named new one with them.
    const queue = `${queuePrefix}.${randomUUID().slice(0, 8)}`;
    await opened.assertQueue(queue, { exclusive: true, autoDelete: true, durable: false });
    await opened.bindQueue(queue, topic, "");
    await opened.consume(
      queue,
      (message: ConsumeMessage | null) => {
        if (message !== null) options.onMessage(message.content.toString("utf8"));
        else rebind(session, "the broker cancelled the broadcast consumer");
      },
      { noAck: true },
    );
    const previous = channel;
    if (closed) await opened.close().catch(() => undefined);
    else channel = opened;
    if (previous !== opened) await previous?.close().catch(() => undefined);
  };
  // A broker still starting up fails the bind, or cancels the consumer: keep trying while this
  // session lasts, or the instance would stay deaf until the next reconnect.
  const rebind = (session: AmqpSession, why: string) => {
    logger.warn({ err: why }, "amqp broadcast re-subscribing");
    attaching.delete(session);
    setTimeout(() => {
      if (!closed && link.current() === session) reattach(session);
    }, RETRY_MS).unref();
  };
  const reattach = (session: AmqpSession) => {
    attach(session).catch((error: unknown) => rebind(session, String(error)));
  };
  const unsubscribe = link.onSession(reattach);
  try {
    await driverCall("amqp", "subscribe broadcast", async () => attach(await link.session(options.timeoutMs)));
  } catch (error) {
    unsubscribe();
    throw error;
  }
  return {
    async close() {
      closed = true;
      unsubscribe();
      await channel?.close().catch(() => undefined);
      channel = undefined;
    },
  };
}
