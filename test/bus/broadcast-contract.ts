import { afterEach, describe, expect, it } from "vitest";
import { createBus, createEnvelope } from "../../lib/bus/index.ts";
import type { Bus, Envelope, Transport, TransportSubscription } from "../../lib/bus/index.ts";
import { TEST_MESSAGE_TYPE, testLogger, testValidator, uniquePrefix } from "../support/bus.ts";
import { waitFor } from "../support/wait.ts";

/** A transport for one test, the topics it used, and how to remove what they left on the broker. */
export interface BroadcastFixture {
  readonly transport: Transport;
  readonly cleanup?: (topics: readonly string[]) => Promise<void>;
}

/**
 * The fan-out behaviour every transport with `broadcast` must have: one copy per subscribed
 * instance, in order, bodies of any size, topics kept apart, nothing after unsubscribing.
 */
export function broadcastContract(name: string, makeTransport: () => Promise<BroadcastFixture>): void {
  describe(`broadcast contract: ${name}`, () => {
    const open: { fixture: BroadcastFixture; topics: string[] }[] = [];
    const subscriptions: TransportSubscription[] = [];

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
      for (const { fixture, topics } of open.splice(0)) {
        await fixture.transport.close();
        await fixture.cleanup?.(topics);
      }
    });

    async function setup() {
      const fixture = await makeTransport();
      const topics: string[] = [];
      open.push({ fixture, topics });
      const transport = fixture.transport;
      if (transport.broadcast === undefined || transport.subscribeBroadcast === undefined) {
        throw new Error(`${name} has no broadcast`);
      }
      const topic = (label: string) => {
        const full = `${uniquePrefix()}${label}`;
        topics.push(full);
        return full;
      };
      const subscribe = async (t: string, instance: string) => {
        const seen: string[] = [];
        const subscription = await (transport.subscribeBroadcast as NonNullable<Transport["subscribeBroadcast"]>)(t, instance, (body) => {
          seen.push(body);
        });
        subscriptions.push(subscription);
        return { seen, subscription };
      };
      const send = (t: string, body: string) => (transport.broadcast as NonNullable<Transport["broadcast"]>)(t, body);
      return { transport, topic, subscribe, send };
    }

    it("gives every subscribed instance one copy of each message, in order", async () => {
      const { topic, subscribe, send } = await setup();
      const t = topic("fan");
      const a = await subscribe(t, "instance-a");
      const b = await subscribe(t, "instance-b");
      const sent = Array.from({ length: 20 }, (_, n) => `m${n}`);
      for (const body of sent) await send(t, body);
      await waitFor(() => a.seen.length >= 20 && b.seen.length >= 20, { what: "both instances to get 20" });
      await send(t, "last");
      await waitFor(() => a.seen.includes("last") && b.seen.includes("last"), { what: "the sentinel" });
      expect(a.seen).toEqual([...sent, "last"]);
      expect(b.seen).toEqual([...sent, "last"]);
    });

    it("delivers a body far larger than a notification payload intact", async () => {
      const { topic, subscribe, send } = await setup();
      const t = topic("large");
      const a = await subscribe(t, "instance-a");
      const large = "é✓".repeat(10_000);
      await send(t, large);
      await send(t, "small");
      await waitFor(() => a.seen.length >= 2, { what: "both messages" });
      expect(a.seen).toEqual([large, "small"]);
    });

    it("keeps topics apart and delivers nothing to a closed subscription", async () => {
      const { topic, subscribe, send } = await setup();
      const one = topic("one");
      const two = topic("two");
      const a = await subscribe(one, "instance-a");
      const b = await subscribe(one, "instance-b");
      const other = await subscribe(two, "instance-a");
      await send(one, "first");
      await waitFor(() => a.seen.length === 1 && b.seen.length === 1, { what: "first" });
      await a.subscription.close();
      await send(one, "second");
      await send(two, "elsewhere");
      await waitFor(() => b.seen.length === 2 && other.seen.length === 1, { what: "second and elsewhere" });
      expect(a.seen).toEqual(["first"]);
      expect(b.seen).toEqual(["first", "second"]);
      expect(other.seen).toEqual(["elsewhere"]);
    });

    it("validates envelopes on the bus: an invalid one is refused, a valid one arrives unchanged", async () => {
      const { transport, topic } = await setup();
      const bus: Bus = createBus({ transport, validator: await testValidator(), logger: testLogger() });
      expect(bus.canBroadcast).toBe(true);
      const t = topic("bus");
      const seen: Envelope[] = [];
      const consumer = await bus.subscribeBroadcast(t, "instance-a", (message) => seen.push(message));
      const bad = createEnvelope(TEST_MESSAGE_TYPE, { n: "one" });
      await expect(bus.broadcast(t, bad as unknown as Envelope)).rejects.toMatchObject({ code: "MESSAGE_INVALID" });
      const good = createEnvelope(TEST_MESSAGE_TYPE, { n: 7 });
      await bus.broadcast(t, good);
      await waitFor(() => seen.length === 1, { what: "the valid envelope" });
      expect(seen).toEqual([good]);
      await consumer.close();
    });
  });
}
