import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors/index.ts";
import { createBus, createEnvelope } from "../../lib/bus/index.ts";
import type { Bus, Envelope, MessageHandler, Transport } from "../../lib/bus/index.ts";
import { TEST_MESSAGE_TYPE, testLogger, testValidator, uniquePrefix } from "../support/bus.ts";
import { rejectionOf } from "../support/errors.ts";
import { waitFor } from "../support/wait.ts";

/** A transport made fresh for one test, and how to tidy up after it. */
export interface TransportFixture {
  readonly transport: Transport;
  readonly cleanup?: () => Promise<void>;
}

const fast = { backoff: { baseMs: 10, maxMs: 40 } } as const;

function work(n: number): Envelope<{ n: number }> {
  return createEnvelope(TEST_MESSAGE_TYPE, { n });
}

/**
 * The behaviour every transport must have. Each adapter's test file calls this with a
 * factory; the suite runs against the real broker (or, for Service Bus, the SDK double).
 * `makeUnreachable` makes one whose broker cannot be reached, for the error-code cases.
 */
export function transportContract(
  name: string,
  makeTransport: () => Promise<TransportFixture>,
  makeUnreachable: () => Transport,
): void {
  describe(`bus contract: ${name}`, () => {
    let bus: Bus;
    let fixture: TransportFixture;

    beforeEach(async () => {
      fixture = await makeTransport();
      bus = createBus({
        transport: fixture.transport,
        validator: await testValidator(),
        logger: testLogger(),
        queuePrefix: uniquePrefix(),
      });
    });

    afterEach(async () => {
      await bus.close();
      await fixture.cleanup?.();
    });

    async function collect(queue: string, count: number, handler?: MessageHandler) {
      const seen: Envelope[] = [];
      const consumer = await bus.consume(
        queue,
        async (message, ctx) => {
          await handler?.(message, ctx);
          seen.push(message);
        },
        fast,
      );
      await waitFor(() => seen.length >= count, { what: `${count} messages on ${queue}` });
      return { seen, consumer };
    }

    it("rejects every call after close with BUS_CLOSED, and closes once however often asked", async () => {
      const { transport } = fixture;
      await transport.close();
      const message = { messageId: "m-closed", type: TEST_MESSAGE_TYPE, correlationId: "m-closed", body: "{}" };
      await expect(transport.send("q", message)).rejects.toMatchObject({ code: "BUS_CLOSED" });
      await expect(transport.consume("q", () => Promise.resolve(), { prefetch: 1 })).rejects.toMatchObject({ code: "BUS_CLOSED" });
      await expect(transport.depth("q")).rejects.toMatchObject({ code: "BUS_CLOSED" });
      await expect(transport.ping()).rejects.toMatchObject({ code: "BUS_CLOSED" });
      await expect(transport.close()).resolves.toBeUndefined();
    });

    it("maps driver failures to BUS_UNAVAILABLE, retryable, with the driver's error as cause", async () => {
      const transport = makeUnreachable();
      try {
        const message = { messageId: "m-down", type: TEST_MESSAGE_TYPE, correlationId: "m-down", body: "{}" };
        const sent = await rejectionOf(transport.send("q", message));
        expect(sent).toMatchObject({ code: "BUS_UNAVAILABLE", retryable: true });
        expect(sent.cause).toBeDefined();
        await expect(transport.depth("q")).rejects.toMatchObject({ code: "BUS_UNAVAILABLE", retryable: true });
        await expect(transport.ping()).rejects.toMatchObject({ code: "BUS_UNAVAILABLE", retryable: true });
      } finally {
        await transport.close();
      }
    });

    it("delivers a published envelope unchanged", async () => {
      const sent = createEnvelope(TEST_MESSAGE_TYPE, { n: 1, note: "héllo ✓" }, { correlationId: "corr-1" });
      await bus.publish("q", sent);
      const { seen } = await collect("q", 1);
      expect(seen[0]).toEqual(sent);
    });

    it("rejects an invalid envelope at publish and sends nothing", async () => {
      const bad = createEnvelope(TEST_MESSAGE_TYPE, { n: "one" });
      await expect(bus.publish("q", bad as unknown as Envelope)).rejects.toMatchObject({ code: "MESSAGE_INVALID" });
      const unknownType = createEnvelope("test.nope", { n: 1 });
      await expect(bus.publish("q", unknownType)).rejects.toMatchObject({ code: "MESSAGE_TYPE_UNKNOWN" });
      expect(await bus.depth("q")).toEqual({ ready: 0, deadLettered: 0 });
    });

    it("runs at most `concurrency` handlers at once and handles every message", async () => {
      for (let n = 0; n < 12; n++) await bus.publish("q", work(n));
      let running = 0;
      let peak = 0;
      const handled = new Set<number>();
      await bus.consume(
        "q",
        async (message) => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 30));
          handled.add((message.payload as { n: number }).n);
          running--;
        },
        { ...fast, concurrency: 3 },
      );
      await waitFor(() => handled.size === 12, { what: "12 handled" });
      expect(peak).toBeLessThanOrEqual(3);
      expect(peak).toBeGreaterThan(1);
    });

    it("retries a retryable failure with a growing attempt number", async () => {
      await bus.publish("q", work(7));
      const attempts: number[] = [];
      const { seen } = await collect("q", 1, async (_message, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new AppError("FLAKY", "not yet", { retryable: true });
      });
      expect(attempts).toEqual([1, 2, 3]);
      expect(seen).toHaveLength(1);
      expect(await bus.depth("q")).toEqual({ ready: 0, deadLettered: 0 });
    });

    it("dead-letters a message that fails every attempt, with reason, attempts and times", async () => {
      const message = work(9);
      await bus.publish("q", message);
      let calls = 0;
      await bus.consume(
        "q",
        async () => {
          calls++;
          throw new AppError("DOWNSTREAM_DOWN", `still down (${calls})`, { retryable: true });
        },
        { ...fast, maxAttempts: 3 },
      );
      const dead = await waitFor(async () => (await bus.deadLetters.list("q"))[0], { what: "dead letter" });
      expect(calls).toBe(3);
      expect(dead).toMatchObject({
        messageId: message.id,
        attempts: 3,
        reason: { code: "DOWNSTREAM_DOWN", message: "still down (3)" },
      });
      expect(JSON.parse(dead.body)).toEqual(message);
      expect(Date.parse(dead.firstFailedAt)).toBeLessThanOrEqual(Date.parse(dead.lastFailedAt));
      expect(await bus.deadLetters.get("q", message.id)).toMatchObject({ messageId: message.id, attempts: 3 });
      expect(await bus.depth("q")).toEqual({ ready: 0, deadLettered: 1 });
    });

    it("dead-letters a non-retryable failure at once", async () => {
      await bus.publish("q", work(1));
      let calls = 0;
      await bus.consume(
        "q",
        async () => {
          calls++;
          throw new AppError("BAD_DATA", "row 3: brand is unknown", { retryable: false });
        },
        fast,
      );
      const dead = await waitFor(async () => (await bus.deadLetters.list("q"))[0], { what: "dead letter" });
      expect(calls).toBe(1);
      expect(dead).toMatchObject({ attempts: 1, reason: { code: "BAD_DATA", message: "row 3: brand is unknown" } });
    });

    it("dead-letters a consumed message that breaks its schema without calling the handler", async () => {
      let called = false;
      await bus.consume("q", async () => {
        called = true;
      });
      await sendRaw(bus, fixture.transport, "q", "raw-1", JSON.stringify({ ...work(1), payload: { n: "x" } }));
      await sendRaw(bus, fixture.transport, "q", "raw-2", "{not json");
      const dead = await waitFor(
        async () => {
          const list = await bus.deadLetters.list("q");
          return list.length === 2 ? list : undefined;
        },
        { what: "two dead letters" },
      );
      expect(called).toBe(false);
      const byId = new Map(dead.map((d) => [d.messageId, d]));
      expect(byId.get("raw-1")?.reason.code).toBe("MESSAGE_INVALID");
      expect(byId.get("raw-1")?.reason.message).toContain("/payload/n");
      expect(byId.get("raw-2")?.reason.code).toBe("MESSAGE_NOT_JSON");
      expect(byId.get("raw-2")?.body).toBe("{not json");
    });

    it("replays dead letters by id, by cause and all, keeping message ids", async () => {
      const messages = [work(1), work(2), work(3)];
      for (const m of messages) await bus.publish("q", m);
      let failing = true;
      const handled: string[] = [];
      await bus.consume(
        "q",
        async (message) => {
          if (failing) {
            const n = (message.payload as { n: number }).n;
            throw new AppError(n === 3 ? "CAUSE_B" : "CAUSE_A", "failed", { retryable: false });
          }
          handled.push(message.id);
        },
        fast,
      );
      await waitFor(async () => (await bus.depth("q")).deadLettered === 3, { what: "three dead letters" });
      failing = false;

      expect(await bus.deadLetters.replay("q", { kind: "ids", ids: [messages[0]!.id] })).toEqual([messages[0]!.id]);
      await waitFor(() => handled.length === 1, { what: "replayed by id" });
      expect(await bus.deadLetters.replay("q", { kind: "cause", code: "CAUSE_B" })).toEqual([messages[2]!.id]);
      await waitFor(() => handled.length === 2, { what: "replayed by cause" });
      expect(await bus.deadLetters.replay("q", { kind: "all" })).toEqual([messages[1]!.id]);
      await waitFor(() => handled.length === 3, { what: "replayed all" });

      expect(handled).toEqual([messages[0]!.id, messages[2]!.id, messages[1]!.id]);
      expect(await bus.depth("q")).toEqual({ ready: 0, deadLettered: 0 });
    });

    it("purges dead letters by id and all", async () => {
      const messages = [work(1), work(2), work(3)];
      for (const m of messages) await bus.publish("q", m);
      await bus.consume(
        "q",
        async () => {
          throw new AppError("NOPE", "no", { retryable: false });
        },
        fast,
      );
      await waitFor(async () => (await bus.depth("q")).deadLettered === 3, { what: "three dead letters" });
      expect(await bus.deadLetters.purge("q", { kind: "ids", ids: [messages[1]!.id, "not-there"] })).toEqual([
        messages[1]!.id,
      ]);
      expect((await bus.deadLetters.list("q")).map((d) => d.messageId).sort()).toEqual(
        [messages[0]!.id, messages[2]!.id].sort(),
      );
      expect((await bus.deadLetters.purge("q", { kind: "all" })).sort()).toEqual([messages[0]!.id, messages[2]!.id].sort());
      expect(await bus.depth("q")).toEqual({ ready: 0, deadLettered: 0 });
      expect(await bus.deadLetters.get("q", messages[0]!.id)).toBeUndefined();
    });

    it("close lets in-flight messages finish and takes no more", async () => {
      for (let n = 0; n < 5; n++) await bus.publish("q", work(n));
      let started = 0;
      let finished = 0;
      const consumer = await bus.consume(
        "q",
        async () => {
          started++;
          await new Promise((resolve) => setTimeout(resolve, 200));
          finished++;
        },
        { ...fast, concurrency: 2 },
      );
      await waitFor(() => started >= 1, { what: "a handler to start" });
      await consumer.close();
      expect(finished).toBe(started);
      const handledBeforeClose = finished;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(started).toBe(handledBeforeClose);
      expect((await bus.depth("q")).ready).toBe(5 - handledBeforeClose);

      const rest = await collect("q", 5 - handledBeforeClose);
      expect(rest.seen).toHaveLength(5 - handledBeforeClose);
    });

    it("counts ready messages in depth", async () => {
      for (let n = 0; n < 4; n++) await bus.publish("q", work(n));
      await waitFor(async () => (await bus.depth("q")).ready === 4, { what: "depth 4" });
      await bus.ping();
    });
  });
}

/** Sends a body the bus would never publish, straight through the transport. */
async function sendRaw(bus: Bus, transport: Transport, queue: string, messageId: string, body: string) {
  await transport.send(bus.queueName(queue), { messageId, type: TEST_MESSAGE_TYPE, correlationId: messageId, body });
}
