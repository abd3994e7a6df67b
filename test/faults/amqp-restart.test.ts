import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, inject, it } from "vitest";
import { createAmqpTransport, createBus, createEnvelope } from "../../lib/bus/index.ts";
import { deleteQueues, rabbitmqctl, recordQueues } from "../support/amqp.ts";
import { TEST_MESSAGE_TYPE, testLogger, testValidator, uniquePrefix } from "../support/bus.ts";
import { waitFor } from "../support/wait.ts";

/** Bounds on the publisher loop, so a broker that never returns cannot keep the test running. */
const MAX_MESSAGES = 3000;
const LOOP_BUDGET_MS = 90_000;
/** Confirmed publishes wanted before the restart and after it. */
const BEFORE = 30;
const AFTER = 30;

describe("amqp transport across a broker restart", () => {
  it("loses nothing confirmed, fails the rest with BUS_UNAVAILABLE, and consumes again afterwards", async () => {
    // Fails with a clear message when rabbitmqctl is missing: this test must not pass by skipping.
    await rabbitmqctl("await_startup");
    const url = inject("amqpUrl");
    const recorded = recordQueues(createAmqpTransport({ url, logger: testLogger(), publishTimeoutMs: 2000 }));
    const bus = createBus({
      transport: recorded.transport,
      validator: await testValidator(),
      logger: testLogger(),
      queuePrefix: uniquePrefix(),
    });
    const consumed = new Set<number>();
    await bus.consume(
      "work",
      async (message) => {
        consumed.add((message.payload as { n: number }).n);
        await sleep(2);
      },
      { concurrency: 4, backoff: { baseMs: 20, maxMs: 100 } },
    );

    const confirmed = new Set<number>();
    const confirmedAfterRestart: number[] = [];
    const failures: unknown[] = [];
    let restarted = false;
    const publisher = (async () => {
      const deadline = Date.now() + LOOP_BUDGET_MS;
      for (let n = 0; n < MAX_MESSAGES && Date.now() < deadline && confirmedAfterRestart.length < AFTER; n++) {
        const published = restarted;
        try {
          await bus.publish("work", createEnvelope(TEST_MESSAGE_TYPE, { n }));
          confirmed.add(n);
          if (published) confirmedAfterRestart.push(n);
        } catch (error) {
          failures.push(error);
        }
        await sleep(10);
      }
    })();

    try {
      await waitFor(() => confirmed.size >= BEFORE, { what: `${BEFORE} confirmed publishes before the restart` });
      await rabbitmqctl("stop_app");
      // Down for longer than the publish timeout, so publishes started now must fail rather than wait it out.
      await sleep(3000);
    } finally {
      await rabbitmqctl("start_app");
      await rabbitmqctl("await_startup");
      restarted = true;
    }
    await publisher;

    try {
      expect(confirmedAfterRestart.length).toBe(AFTER);
      expect(failures.length).toBeGreaterThan(0);
      for (const failure of failures) expect(failure).toMatchObject({ code: "BUS_UNAVAILABLE", retryable: true });
      await waitFor(() => [...confirmed].every((n) => consumed.has(n)), {
        what: "every confirmed message consumed",
        timeoutMs: 30_000,
      });
      expect(confirmedAfterRestart.every((n) => consumed.has(n))).toBe(true);
    } finally {
      await bus.close();
      await deleteQueues(url, recorded.queues);
    }
  });
});
