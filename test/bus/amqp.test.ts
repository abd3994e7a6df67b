import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, inject, it } from "vitest";
import { createAmqpTransport, createEnvelope } from "../../lib/bus/index.ts";
import type { Delivery, OutgoingMessage, Transport, TransportSubscription } from "../../lib/bus/index.ts";
import { closeConnectionNamed, deleteQueues, rabbitmqctl, recordQueues, withAmqpChannel } from "../support/amqp.ts";
import { TEST_MESSAGE_TYPE, testLogger, uniquePrefix } from "../support/bus.ts";
import { waitFor } from "../support/wait.ts";
import { transportContract } from "./contract.ts";

transportContract(
  "amqp",
  () => {
    const recorded = recordQueues(createAmqpTransport({ url: inject("amqpUrl"), logger: testLogger() }));
    return Promise.resolve({
      transport: recorded.transport,
      cleanup: () => deleteQueues(inject("amqpUrl"), recorded.queues),
    });
  },
  () => createAmqpTransport({ url: "amqp://guest:guest@127.0.0.1:1", logger: testLogger(), publishTimeoutMs: 300 }),
);

describe("amqp transport", () => {
  const url = inject("amqpUrl");
  const transports: Transport[] = [];
  const subscriptions: TransportSubscription[] = [];
  const queues = new Set<string>();
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((s) => s.close()));
    await Promise.all(transports.splice(0).map((t) => t.close()));
    await deleteQueues(url, queues);
    queues.clear();
  });

  function transport(options: { connectionName?: string; publishTimeoutMs?: number; url?: string } = {}) {
    const made = createAmqpTransport({ url, logger: testLogger(), ...options });
    transports.push(made);
    return made;
  }
  function queue(name: string): string {
    const full = `${uniquePrefix()}${name}`;
    queues.add(full);
    return full;
  }
  function message(n: number): OutgoingMessage {
    const envelope = createEnvelope(TEST_MESSAGE_TYPE, { n });
    return { messageId: envelope.id, type: envelope.type, correlationId: envelope.correlationId, body: JSON.stringify(envelope) };
  }
  async function consume(t: Transport, q: string, onDelivery: (d: Delivery) => Promise<void>) {
    const subscription = await t.consume(q, onDelivery, { prefetch: 1 });
    subscriptions.push(subscription);
    return subscription;
  }

  it("declares durable queues, routes retries back through Q.retry, and publishes persistent messages", async () => {
    const q = queue("durable");
    const sent = message(1);
    await transport().send(q, sent);
    await withAmqpChannel(url, async (channel) => {
      expect(await channel.assertQueue(q, { durable: true })).toMatchObject({ messageCount: 1 });
      await channel.assertQueue(`${q}.retry`, {
        durable: true,
        arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": q },
      });
      await channel.assertQueue(`${q}.dlq`, { durable: true });
      const got = await channel.get(q, { noAck: false });
      expect(got && got.properties).toMatchObject({
        deliveryMode: 2,
        messageId: sent.messageId,
        correlationId: sent.correlationId,
        type: sent.type,
        contentType: "application/json",
      });
      expect(got && got.content.toString("utf8")).toBe(sent.body);
    });
    // A transient declaration of the same name is refused: the queue really is durable.
    await expect(withAmqpChannel(url, (channel) => channel.assertQueue(q, { durable: false }))).rejects.toMatchObject({
      code: 406,
    });
  });

  it("keeps a waiting retry in depth and brings it back as the next attempt with its first failure time", async () => {
    const q = queue("retry");
    const t = transport();
    const sent = message(2);
    await t.send(q, sent);
    const seen: Delivery[] = [];
    await consume(t, q, async (d) => {
      seen.push(d);
      if (d.attempt === 1) await d.retry(500, { code: "LATER", message: "not yet" });
      else await d.ack();
    });
    await waitFor(() => seen.length === 1, { what: "first delivery" });
    expect(await t.depth(q)).toEqual({ ready: 1, deadLettered: 0 });
    await waitFor(() => seen.length === 2, { what: "the retried delivery" });
    expect(seen[1]).toMatchObject({ messageId: sent.messageId, body: sent.body, attempt: 2 });
    expect(Date.parse(seen[1]!.firstFailedAt ?? "")).not.toBeNaN();
  });

  it("reconnects after its connection is closed, re-registers the consumer, and redelivers with the same attempt", async () => {
    const q = queue("reconnect");
    const connectionName = `amqp-test-${randomUUID()}`;
    const t = transport({ connectionName });
    const sent = message(3);
    await t.send(q, sent);
    const seen: Delivery[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await consume(t, q, async (d) => {
      seen.push(d);
      if (d.attempt === 1) return d.retry(0, { code: "AGAIN", message: "once more" });
      // The first holder of attempt 2 waits until its connection is gone, like a worker that crashed.
      if (seen.length === 2) await held;
      return d.ack();
    });
    await waitFor(() => seen.length === 2, { what: "attempt 2 delivered" });
    await closeConnectionNamed(connectionName);
    await waitFor(() => seen.length === 3, { what: "redelivery after the reconnect" });
    expect(seen.map((d) => d.attempt)).toEqual([1, 2, 2]);
    release();
    await expect(seen[1]!.ack()).rejects.toMatchObject({ code: "BUS_UNAVAILABLE", retryable: true });

    const after = message(4);
    await t.send(q, after);
    await waitFor(() => seen.some((d) => d.messageId === after.messageId), { what: "a message sent after the reconnect" });
    await t.ping();
  });

  it("declares a queue again when it was deleted behind the transport's back", async () => {
    const q = queue("deleted");
    const t = transport();
    await t.send(q, message(5));
    await withAmqpChannel(url, (channel) => channel.deleteQueue(q));
    await t.send(q, message(6));
    expect(await t.depth(q)).toEqual({ ready: 1, deadLettered: 0 });
  });

  it("rejects a publish the broker nacks with BUS_REJECTED", async () => {
    const q = queue("nacked");
    const t = transport();
    await t.depth(q);
    const policy = `wh-test-${randomUUID()}`;
    await rabbitmqctl("set_policy", "--apply-to", "queues", policy, `^${q.replaceAll(".", "\\.")}$`, '{"max-length":1,"overflow":"reject-publish"}');
    try {
      const refusal = await waitFor(async () => t.send(q, message(7)).then(() => undefined, (error: unknown) => error), {
        what: "a refused publish",
      });
      expect(refusal).toMatchObject({ code: "BUS_REJECTED", retryable: true });
      expect((await t.depth(q)).ready).toBe(1);
    } finally {
      await rabbitmqctl("clear_policy", policy);
    }
  });

  it("fails publish, consume and ping with BUS_UNAVAILABLE when the broker cannot be reached", async () => {
    const t = transport({ url: "amqp://guest:guest@127.0.0.1:1", publishTimeoutMs: 300 });
    const q = queue("unreachable");
    await expect(t.send(q, message(8))).rejects.toMatchObject({ code: "BUS_UNAVAILABLE", retryable: true });
    await expect(t.consume(q, () => Promise.resolve(), { prefetch: 1 })).rejects.toMatchObject({ code: "BUS_UNAVAILABLE" });
    await expect(t.ping()).rejects.toMatchObject({ code: "BUS_UNAVAILABLE", retryable: true });
    queues.delete(q);
  });

  it("refuses work after close", async () => {
    const t = transport();
    const q = queue("closed");
    await t.send(q, message(9));
    await t.close();
    await expect(t.send(q, message(10))).rejects.toMatchObject({ code: "BUS_CLOSED" });
    await expect(t.depth(q)).rejects.toMatchObject({ code: "BUS_CLOSED" });
  });
});
