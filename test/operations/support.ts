import { inject } from "vitest";
import { createAmqpTransport, createBus, createPostgresTransport, createServiceBusTransport } from "../../lib/bus/index.ts";
import type { Bus, Transport } from "../../lib/bus/index.ts";
import { createPool } from "../../lib/db/index.ts";
import { QUEUE_NAMES } from "../../lib/messages/index.ts";
import { loadValidator } from "../../lib/runtime/index.ts";
import type { TransformationDefinition } from "../../lib/transformations/index.ts";
import type { CommandIo, Connect } from "../../bin/commands/operator.ts";
import { deleteQueues } from "../support/amqp.ts";
import { testLogger, testValidator, uniquePrefix } from "../support/bus.ts";
import type { TestDatabase } from "../support/database.ts";
import { createServiceBusNamespace } from "../support/service-bus-double.ts";

/** The three transports every operator path must work on. */
export const TRANSPORTS = ["postgres", "amqp", "service-bus"] as const;
export type TransportName = (typeof TRANSPORTS)[number];

/**
 * One platform under test: a bus the test consumes and publishes on (with the test message
 * type), and how the CLI reaches the same broker and database. Postgres and RabbitMQ go
 * through the CLI's own environment handling; Service Bus cannot run here, so the CLI is
 * handed a bus over the SDK double's namespace instead of a connection string.
 */
export interface Platform {
  readonly bus: Bus;
  readonly env: Record<string, string>;
  /** Undefined: the CLI connects from `env` like in production. */
  readonly connect: Connect | undefined;
  cleanup(): Promise<void>;
}

/** Builds {@link Platform} for `name` over the test database `db`, with a fresh queue prefix. */
export async function platformOn(name: TransportName, db: TestDatabase): Promise<Platform> {
  const prefix = uniquePrefix();
  const logger = testLogger();
  const env: Record<string, string> = { DATABASE_URL: db.url, QUEUE_PREFIX: prefix, LOG_LEVEL: "silent" };
  const busOver = async (transport: Transport, test: boolean) =>
    createBus({ transport, validator: test ? await testValidator() : await loadValidator(), logger, queuePrefix: prefix });
  if (name === "postgres") {
    const bus = await busOver(createPostgresTransport({ pool: db.pool, logger }), true);
    return { bus, env, connect: undefined, cleanup: () => bus.close() };
  }
  if (name === "amqp") {
    const url = inject("amqpUrl");
    const bus = await busOver(createAmqpTransport({ url, logger }), true);
    return {
      bus,
      env: { ...env, AMQP_URL: url },
      connect: undefined,
      async cleanup() {
        await bus.close();
        await deleteQueues(url, QUEUE_NAMES.map((q) => `${prefix}${q}`));
      },
    };
  }
  const namespace = createServiceBusNamespace({ lockDurationMs: 2000 });
  const sbTransport = () =>
    createServiceBusTransport({ client: namespace.client(), admin: namespace.admin, logger, receiveWaitMs: 50 });
  const bus = await busOver(sbTransport(), true);
  const connect: Connect = async () => {
    const pool = createPool(db.url, { max: 2 });
    const cliBus = await busOver(sbTransport(), false);
    return {
      pool,
      bus: cliBus,
      async close() {
        await cliBus.close();
        await pool.end();
      },
    };
  };
  return { bus, env, connect, cleanup: () => bus.close() };
}

/** Collects what a command prints. */
export function captureIo(): CommandIo & { stdout(): string; stderr(): string; reset(): void } {
  let out = "";
  let err = "";
  return {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    stdout: () => out,
    stderr: () => err,
    reset() {
      out = "";
      err = "";
    },
  };
}

/** A brand whose files say "Model No.", "Warranty (years)" and dates as DD/MM/YYYY. */
export const SAMPLE_SCRIPT: TransformationDefinition = {
  columns: [
    { from: "Marque", to: "brand", trim: true },
    { from: "Model No.", to: "model_number", trim: true, case: "upper" },
    { from: "Name", to: "model_name", trim: true },
    { from: "Type", to: "category", case: "lower", convert: { kind: "map", values: { "Lave-linge": "appliances" } } },
    { from: "Warranty (years)", to: "warranty_months", convert: { kind: "unit", from: "years", to: "months" } },
    { from: "Released", to: "release_date", convert: { kind: "date", format: "DD/MM/YYYY" } },
  ],
};
