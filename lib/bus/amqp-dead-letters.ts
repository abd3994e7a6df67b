import type { Channel, GetMessage, Options } from "amqplib";
import type { AmqpLink } from "./amqp-link.ts";
import { identityOf, publishOptions, queueNames, selects, toDeadLetter } from "./amqp-messages.ts";
import type { DeadLetterSelector, Transport } from "./port.ts";
import { driverCall } from "./transport-kit.ts";

/** What the dead-letter operations need from their transport. */
export interface AmqpDeadLetterDeps {
  readonly link: AmqpLink;
  readonly ensureQueues: (queue: string) => Promise<void>;
  readonly publish: (queue: string, content: Buffer, options: Options.Publish) => Promise<void>;
  readonly timeoutMs: number;
}

/** Takes up to `max` dead letters, or up to and including the first that `stop` picks. */
type Take = (max?: number, stop?: (message: GetMessage) => boolean) => Promise<GetMessage[]>;

/** The most dead letters one operation reads; they are all held unacked until it ends. */
const MAX_SCAN = 10_000;

/**
 * Dead-letter operations over `Q.dlq`. RabbitMQ cannot browse a queue, so each operation
 * takes messages with basic.get on a channel of its own, acks the ones it replays or purges,
 * and closes the channel, which puts every other one back in its place. Two operations on
 * the same queue at once each see only the messages the other is not holding.
 */
export function amqpDeadLetterOps(
  deps: AmqpDeadLetterDeps,
): Pick<Transport, "listDeadLetters" | "getDeadLetter" | "replayDeadLetters" | "purgeDeadLetters"> {
  async function scan<T>(queue: string, fn: (channel: Channel, take: Take) => Promise<T>): Promise<T> {
    await deps.ensureQueues(queue);
    const dlq = queueNames(queue).dlq;
    return driverCall("amqp", "dead-letter operation", () => deps.link.withChannel(deps.timeoutMs, (channel) =>
      fn(channel, async (max = MAX_SCAN, stop) => {
        const taken: GetMessage[] = [];
        while (taken.length < Math.min(max, MAX_SCAN)) {
          const message = await channel.get(dlq, { noAck: false });
          if (message === false) break;
          taken.push(message);
          if (stop?.(message)) break;
        }
        return taken;
      }),
    ));
  }

  return {
    listDeadLetters: (queue, { limit }) =>
      scan(queue, async (_channel, take) => {
        const taken = await take(limit);
        return taken.map((message) => toDeadLetter(queue, message));
      }),
    getDeadLetter: (queue, messageId) =>
      scan(queue, async (_channel, take) => {
        const taken = await take(MAX_SCAN, (message) => identityOf(message).messageId === messageId);
        const found = taken.at(-1);
        return found && identityOf(found).messageId === messageId ? toDeadLetter(queue, found) : undefined;
      }),
    replayDeadLetters: (queue, selector) =>
      scan(queue, async (channel, take) => {
        const ids: string[] = [];
        for (const message of chosen(await take(), selector)) {
          // Attempt headers are dropped, so the message comes back as attempt 1 with its id kept.
          await deps.publish(queue, message.content, publishOptions(identityOf(message), {}));
          channel.ack(message);
          ids.push(identityOf(message).messageId);
        }
        return ids;
      }),
    purgeDeadLetters: (queue, selector) =>
      scan(queue, async (channel, take) => {
        const ids: string[] = [];
        for (const message of chosen(await take(), selector)) {
          channel.ack(message);
          ids.push(identityOf(message).messageId);
        }
        return ids;
      }),
  };
}

function chosen(messages: GetMessage[], selector: DeadLetterSelector): GetMessage[] {
  return messages.filter((message) => selects(selector, message));
}
