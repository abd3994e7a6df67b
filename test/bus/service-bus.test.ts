import { ServiceBusError } from "@azure/service-bus";
import { describe, expect, it } from "vitest";
import { createServiceBusTransport } from "../../lib/bus/index.ts";
import type { Delivery, OutgoingMessage, Transport } from "../../lib/bus/index.ts";
import { TEST_MESSAGE_TYPE, testLogger, uniquePrefix } from "../support/bus.ts";
import { createServiceBusNamespace } from "../support/service-bus-double.ts";
import type { ServiceBusNamespaceDouble } from "../support/service-bus-double.ts";
import { waitFor } from "../support/wait.ts";
import { transportContract } from "./contract.ts";

// Azure Service Bus cannot run here: these tests drive the adapter against an in-memory double
// of the SDK surface it uses (test/support/service-bus-double.ts says what the double models).

transportContract(
  "service-bus (SDK double)",
  () => Promise.resolve({ transport: transportOn(createServiceBusNamespace({ lockDurationMs: 2000 })) }),
  unreachableTransport,
);

/** Every SDK call fails as it does when the namespace cannot be reached. */
function unreachableTransport(): Transport {
  const refused = () => Promise.reject(new ServiceBusError("getaddrinfo ENOTFOUND sb.invalid", "ServiceCommunicationProblem"));
  return createServiceBusTransport({
    client: {
      createSender: () => ({ sendMessages: refused, scheduleMessages: refused, close: () => Promise.resolve() }),
      createReceiver: () => {
        throw new ServiceBusError("getaddrinfo ENOTFOUND sb.invalid", "ServiceCommunicationProblem");
      },
      close: () => Promise.resolve(),
    },
    admin: { getQueueRuntimeProperties: refused, queueExists: refused, createQueue: refused },
    logger: testLogger(),
  });
}

function transportOn(namespace: ServiceBusNamespaceDouble, options: { maxLockRenewalMs?: number } = {}): Transport {
  return createServiceBusTransport({
    client: namespace.client(),
    admin: namespace.admin,
    logger: testLogger(),
    receiveWaitMs: 50,
    ...options,
  });
}

function message(n: number): OutgoingMessage {
  const id = `${uniquePrefix()}m${n}`;
  return { messageId: id, type: TEST_MESSAGE_TYPE, correlationId: id, body: JSON.stringify({ n }) };
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("service-bus transport: locks", () => {
  it("renews the lock of a handler that runs several lock durations, so it is not redelivered", async () => {
    // Renewal comes at half the remaining lock time, so the lock is long enough that a late timer
    // on a loaded machine still renews it in time; the handler runs four lock durations.
    const lockMs = 500;
    const namespace = createServiceBusNamespace({ lockDurationMs: lockMs });
    const transport = transportOn(namespace);
    const queue = `${uniquePrefix()}long`;
    await transport.send(queue, message(1));
    const attempts: number[] = [];
    let acked = false;
    await transport.consume(
      queue,
      async (delivery) => {
        attempts.push(delivery.attempt);
        await sleep(4 * lockMs);
        await delivery.ack();
        acked = true;
      },
      { prefetch: 2 },
    );
    await waitFor(() => acked, { what: "the slow handler to ack" });
    expect(attempts).toEqual([1]);
    expect(await transport.depth(queue)).toEqual({ ready: 0, deadLettered: 0 });
    await transport.close();
  });

  it("redelivers the message of a consumer that died mid-handler, keeping its attempt number", async () => {
    const namespace = createServiceBusNamespace({ lockDurationMs: 150 });
    const dyingClient = namespace.client();
    const dying = createServiceBusTransport({ client: dyingClient, admin: namespace.admin, logger: testLogger() });
    const queue = `${uniquePrefix()}crash`;
    const sent = message(1);
    await dying.send(queue, sent);
    let hung: Delivery | undefined;
    let release = () => {};
    await dying.consume(
      queue,
      async (delivery) => {
        // First attempt fails for real, so the crash happens on attempt 2.
        if (delivery.attempt === 1) return delivery.retry(0, { code: "FLAKY", message: "once" });
        hung = delivery;
        await new Promise<void>((resolve) => (release = resolve));
      },
      { prefetch: 1 },
    );
    await waitFor(() => hung, { what: "attempt 2 to hang" });
    dyingClient.kill();

    const survivor = transportOn(namespace);
    const redelivered: Delivery[] = [];
    await survivor.consume(
      queue,
      async (delivery) => {
        redelivered.push(delivery);
        await delivery.ack();
      },
      { prefetch: 1 },
    );
    await waitFor(() => redelivered.length === 1, { what: "redelivery after the lock ran out" });
    expect(redelivered[0]).toMatchObject({ messageId: sent.messageId, body: sent.body, attempt: 2 });
    expect(redelivered[0]?.firstFailedAt).toEqual(hung?.firstFailedAt);
    await expect(hung?.ack()).rejects.toMatchObject({ code: "BUS_ACK_FAILED" });
    release();
    expect(await survivor.depth(queue)).toEqual({ ready: 0, deadLettered: 0 });
    await Promise.all([dying.close(), survivor.close()]);
  });

  it("refuses to retry a delivery whose lock was lost, so the redelivery is not doubled", async () => {
    const namespace = createServiceBusNamespace({ lockDurationMs: 100 });
    const transport = transportOn(namespace, { maxLockRenewalMs: 0 });
    const queue = `${uniquePrefix()}lost`;
    await transport.send(queue, message(1));
    const seen: Delivery[] = [];
    let lateRetry: unknown;
    await transport.consume(
      queue,
      async (delivery) => {
        seen.push(delivery);
        if (seen.length > 1) return delivery.ack();
        await waitFor(() => seen.length > 1, { what: "redelivery while the first handler still runs" });
        lateRetry = await delivery.retry(0, { code: "SLOW", message: "too late" }).catch((error: unknown) => error);
      },
      { prefetch: 2 },
    );
    await waitFor(() => lateRetry, { what: "the late retry to fail" });
    expect(seen.map((d) => d.attempt)).toEqual([1, 1]);
    expect(lateRetry).toMatchObject({ code: "BUS_RETRY_FAILED" });
    const cause = (lateRetry as Error).cause;
    expect(cause).toBeInstanceOf(ServiceBusError);
    expect((cause as ServiceBusError).code).toBe("MessageLockLost");
    await waitFor(async () => (await transport.depth(queue)).ready === 0, { what: "the redelivery to be completed" });
    expect(await transport.depth(queue)).toEqual({ ready: 0, deadLettered: 0 });
    await transport.close();
  });
});

describe("service-bus transport: native dead letters", () => {
  it("lists and replays a message the service dead-lettered after maxDeliveryCount", async () => {
    const namespace = createServiceBusNamespace({ lockDurationMs: 1000 });
    const transport = createServiceBusTransport({
      client: namespace.client(),
      admin: namespace.admin,
      logger: testLogger(),
      receiveWaitMs: 50,
      queueDefaults: { maxDeliveryCount: 2, lockDuration: "PT30S" },
    });
    const queue = `${uniquePrefix()}poison`;
    const sent = message(1);
    await transport.send(queue, sent);
    const raw = namespace.client();
    const receiver = raw.createReceiver(queue, { receiveMode: "peekLock" });
    for (let i = 0; i < 2; i++) {
      const [received] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
      expect(received?.deliveryCount).toBe(i + 1);
      await receiver.abandonMessage(received!);
    }
    const [dead] = await transport.listDeadLetters(queue, { limit: 10 });
    expect(dead).toMatchObject({
      messageId: sent.messageId,
      body: sent.body,
      attempts: 1,
      reason: { code: "MaxDeliveryCountExceeded" },
    });
    expect(await transport.depth(queue)).toEqual({ ready: 0, deadLettered: 1 });

    expect(await transport.replayDeadLetters(queue, { kind: "cause", code: "MaxDeliveryCountExceeded" })).toEqual([
      sent.messageId,
    ]);
    const [back] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    expect(back).toMatchObject({ messageId: sent.messageId, deliveryCount: 1 });
    await receiver.completeMessage(back!);
    await raw.close();
    await transport.close();
  });
});

describe("service-bus SDK double", () => {
  it("loses a lock that ran out: settling throws MessageLockLost and the message comes back", async () => {
    const namespace = createServiceBusNamespace({ lockDurationMs: 50 });
    await namespace.admin.createQueue("q");
    const client = namespace.client();
    await client.createSender("q").sendMessages({ messageId: "a", body: "hello" });
    const receiver = client.createReceiver("q", { maxAutoLockRenewalDurationInMs: 0 });
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    expect(first).toMatchObject({ messageId: "a", body: "hello", deliveryCount: 1 });
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    expect(second).toMatchObject({ messageId: "a", deliveryCount: 2 });
    const lost = await receiver.completeMessage(first!).catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(ServiceBusError);
    expect((lost as ServiceBusError).code).toBe("MessageLockLost");
    await receiver.completeMessage(second!);
    expect(await receiver.peekMessages(10)).toEqual([]);
    await client.close();
  });

  it("keeps a scheduled message out of reach until its time, and peeking locks nothing", async () => {
    const namespace = createServiceBusNamespace({ lockDurationMs: 1000 });
    await namespace.admin.createQueue("q");
    const client = namespace.client();
    const [sequence] = await client
      .createSender("q")
      .scheduleMessages({ messageId: "later", body: { n: 1 } }, new Date(Date.now() + 200));
    const runtime = await namespace.admin.getQueueRuntimeProperties("q");
    expect([runtime.activeMessageCount, runtime.scheduledMessageCount]).toEqual([0, 1]);
    const receiver = client.createReceiver("q");
    const peeked = await receiver.peekMessages(10);
    expect(peeked).toMatchObject([{ messageId: "later", state: "scheduled", lockToken: undefined }]);
    expect(peeked[0]?.sequenceNumber?.equals(sequence!)).toBe(true);
    const [received] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(received).toMatchObject({ messageId: "later", body: { n: 1 }, state: "active", deliveryCount: 1 });
    await receiver.completeMessage(received!);
    await client.close();
  });
});

describe("service-bus transport: connection string", () => {
  it("builds the real SDK clients without touching the network until used", async () => {
    const transport = createServiceBusTransport({
      connectionString: "Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0",
      logger: testLogger(),
    });
    expect(transport.name).toBe("service-bus");
    await transport.close();
  });
});
