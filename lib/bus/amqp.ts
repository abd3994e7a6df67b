import { randomUUID } from "node:crypto";
import type { Channel, Options } from "amqplib";
import { isAppError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import type { BackoffPolicy } from "./transport-kit.ts";
import { amqpBroadcast } from "./amqp-broadcast.ts";
import { startAmqpConsumer } from "./amqp-consumer.ts";
import { amqpDeadLetterOps } from "./amqp-dead-letters.ts";
import { UNROUTABLE, createAmqpLink } from "./amqp-link.ts";
import { publishOptions, queueNames } from "./amqp-messages.ts";
import type { Transport, TransportSubscription } from "./port.ts";
import { busUnavailable, driverCall, withLifecycle } from "./transport-kit.ts";
export interface AmqpTransportOptions {
  /** `amqp://user:pass@host:5672/vhost`; query parameters such as `heartbeat=15` pass through to amqplib. */
  readonly url: string;
  readonly logger: Logger;
  /** How long a publish (and any broker operation) waits for a connection and its confirm. Default 5000. */
  readonly publishTimeoutMs?: number;
  /** Reconnect delays after a connection loss. Default 100 ms doubling to 5 s, with jitter. */
  readonly reconnect?: BackoffPolicy;
  /** The name the broker shows for the connection. Default `warranty-hub <random>`. */
  readonly connectionName?: string;
}

/**
 * RabbitMQ through amqplib. Each logical queue Q is three durable queues: `Q`; `Q.retry`,
 * whose messages carry a per-message TTL and dead-letter back into `Q` when it runs out;
 * and `Q.dlq`. Messages are persistent and every publish waits for the publisher confirm.
 * Consumers ack manually on a channel of their own. The connection heals itself after a
 * broker restart; publishes wait for it up to `publishTimeoutMs`, then fail with
 * BUS_UNAVAILABLE (retryable).
 *
 * Per-message TTLs expire only at the head of `Q.retry`, so a short retry queued behind a
 * long one waits for it: retries can come back later than asked, never earlier.
 */
export function createAmqpTransport(options: AmqpTransportOptions): Transport {
  const timeoutMs = options.publishTimeoutMs ?? 5000;
  const logger = options.logger.child({ transport: "amqp" });
  const link = createAmqpLink({
    url: options.url,
    logger,
    connectionName: options.connectionName ?? `warranty-hub ${randomUUID().slice(0, 8)}`,
    reconnect: options.reconnect ?? { baseMs: 200, maxMs: 5000 },
  });
  // Per instance, never per module: a transport only trusts declarations it made itself.
  const declared = new Map<string, Promise<void>>();
  const subscriptions = new Set<TransportSubscription>();
  const fanout = amqpBroadcast(link, logger, timeoutMs);

  function ensureQueues(queue: string): Promise<void> {
    const known = declared.get(queue);
    if (known) return known;
    const declaring = driverCall("amqp", "declare queues", () => link.withChannel(timeoutMs, (channel) => declare(channel, queue)));
    declared.set(queue, declaring);
    declaring.catch(() => {
      if (declared.get(queue) === declaring) declared.delete(queue);
    });
    return declaring;
  }

  /** A queue deleted behind our back makes the broker return the message: declare it again, once. */
  async function publish(queue: string, content: Buffer, publishOpts: Options.Publish, logical = queue): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await ensureQueues(logical);
    try {
      await link.publish(queue, content, publishOpts, deadline - Date.now());
    } catch (error) {
      if (!isAppError(error, UNROUTABLE)) throw error;
      logger.warn({ queue }, "amqp queue missing; declaring it again");
      declared.delete(logical);
      await ensureQueues(logical);
      await link.publish(queue, content, publishOpts, Math.max(1, deadline - Date.now()));
    }
  }

  /** Publishes to `Q`, `Q.retry` or `Q.dlq` of the logical queue the name belongs to. */
  const publishTo = (logical: string) => (queue: string, content: Buffer, publishOpts: Options.Publish) =>
    publish(queue, content, publishOpts, logical);

  return withLifecycle({
    name: "amqp",
    async send(queue, message) {
      const options = publishOptions(message, {});
      await publish(queue, Buffer.from(message.body, "utf8"), message.transient === true ? { ...options, persistent: false } : options);
    },
    async consume(queue, onDelivery, { prefetch }) {
      const subscription = await startAmqpConsumer({
        link,
        logger: logger.child({ queue }),
        queue,
        prefetch: Math.max(1, prefetch),
        onDelivery,
        ensureQueues,
        publish: publishTo(queue),
        timeoutMs,
      });
      subscriptions.add(subscription);
      return {
        async close() {
          subscriptions.delete(subscription);
          await subscription.close();
        },
      };
    },
    async depth(queue) {
      await ensureQueues(queue);
      return driverCall("amqp", "depth", () =>
        link.withChannel(timeoutMs, async (channel) => {
          const names = queueNames(queue);
          const main = await channel.checkQueue(names.main);
          const retry = await channel.checkQueue(names.retry);
          const dlq = await channel.checkQueue(names.dlq);
          return { ready: main.messageCount + retry.messageCount, deadLettered: dlq.messageCount };
        }),
      );
    },
    ...amqpDeadLetterOps({ link, ensureQueues, publish: (q, c, o) => publish(q, c, o), timeoutMs }),
    async broadcast(topic, body, options) {
      await fanout.broadcast(topic, body, options);
    },
    subscribeBroadcast(topic, instanceId, onMessage) {
      return fanout.subscribeBroadcast(topic, instanceId, onMessage);
    },
    async ping() {
      await link.started();
      if (!link.current()) throw busUnavailable("amqp", "not connected to RabbitMQ");
      await driverCall("amqp", "ping", () => link.withChannel(timeoutMs, () => Promise.resolve()));
    },
    async close() {
      await Promise.allSettled([...subscriptions].map((s) => s.close()));
      subscriptions.clear();
      await fanout.close();
      await link.close();
    },
  });
}

/** `Q` durable; `Q.retry` dead-letters expired messages back into `Q`; `Q.dlq` durable. */
async function declare(channel: Channel, queue: string): Promise<void> {
  const names = queueNames(queue);
  await channel.assertQueue(names.main, { durable: true });
  await channel.assertQueue(names.retry, {
    durable: true,
    arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": names.main },
  });
  await channel.assertQueue(names.dlq, { durable: true });
}
