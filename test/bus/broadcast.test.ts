import { afterAll, beforeAll, describe, inject } from "vitest";
import { createAmqpTransport, createPostgresTransport, createServiceBusTransport } from "../../lib/bus/index.ts";
import { withAmqpChannel } from "../support/amqp.ts";
import { testLogger } from "../support/bus.ts";
import { createTestDatabase } from "../support/database.ts";
import { createServiceBusNamespace } from "../support/service-bus-double.ts";
import type { TestDatabase } from "../support/database.ts";
import { broadcastContract } from "./broadcast-contract.ts";
import { createServiceBusTopicsDouble } from "./service-bus-topics-double.ts";

broadcastContract("amqp", () =>
  Promise.resolve({
    transport: createAmqpTransport({ url: inject("amqpUrl"), logger: testLogger() }),
    cleanup: (topics) =>
      withAmqpChannel(inject("amqpUrl"), async (channel) => {
        for (const topic of topics) await channel.deleteExchange(topic);
      }),
  }),
);

describe("postgres", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });
  broadcastContract("postgres", () =>
    Promise.resolve({ transport: createPostgresTransport({ pool: db.pool, logger: testLogger(), pollIntervalMs: 100 }) }),
  );
});

broadcastContract("service-bus (SDK double)", () => {
  const namespace = createServiceBusNamespace();
  const topics = createServiceBusTopicsDouble();
  return Promise.resolve({
    transport: createServiceBusTransport({ client: namespace.client(), admin: namespace.admin, topics, logger: testLogger() }),
    cleanup: (used) => {
      // Closing every subscription deleted it, as a relay instance shutting down does.
      for (const topic of used) if (topics.subscriptionsOf(topic).length > 0) throw new Error(`subscriptions left on ${topic}`);
      return Promise.resolve();
    },
  });
});
