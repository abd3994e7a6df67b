import { randomUUID } from "node:crypto";
import type { HttpTransportType } from "@microsoft/signalr";
import { MessagePackHubProtocol } from "@microsoft/signalr-protocol-msgpack";
import { inject } from "vitest";
import { createTokenSigner, createTokenVerifier } from "../../lib/auth/index.ts";
import type { Role } from "../../lib/auth/index.ts";
import { createAmqpTransport, createBus, createPostgresTransport } from "../../lib/bus/index.ts";
import type { Bus, Transport } from "../../lib/bus/index.ts";
import { createPool } from "../../lib/db/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { createMetrics } from "../../lib/metrics/index.ts";
import { loadValidator } from "../../lib/runtime/index.ts";
import type { ChatRelayConfig } from "../../services/chat-relay/config.ts";
import { CHAT_HUB_PATH } from "../../services/chat-relay/hub.ts";
import { QUEUES, TOPICS } from "../../lib/messages/index.ts";
import type { ChatMessage } from "../../services/chat-relay/model.ts";
import { startChatRelay } from "../../services/chat-relay/server.ts";
import type { ChatRelayDeps, ChatRelayInstance } from "../../services/chat-relay/server.ts";
import { withAmqpChannel } from "../support/amqp.ts";
import { testLogger, uniquePrefix } from "../support/bus.ts";
import { officialClient } from "./signalr/support.ts";

/** The JWT secret of every test relay (and of child relay processes). */
export const SECRET = "chat-relay-test-secret-0123456789abcdef";

export const BUS_KINDS = ["amqp", "postgres"] as const;
export type TestBusKind = (typeof BUS_KINDS)[number];

/** A token the relays accept. */
export function tokenFor(subject: string, role: Role = "consumer"): Promise<string> {
  return createTokenSigner(SECRET)({ subject, role, expiresIn: "1h" });
}

/** A unique user id, so tests never share users. */
export function userId(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/** Inserts a brand, model, product and service request; returns the request id. */
export async function seedServiceRequest(
  pool: Pool,
  people: { readonly customerId: string; readonly technicianId: string | null; readonly closedAt?: Date },
): Promise<string> {
  const tag = randomUUID().slice(0, 8);
  const brand = await pool.query<{ id: string }>("insert into brands (name) values ($1) returning id", [`Brand ${tag}`]);
  const brandId = brand.rows[0]?.id;
  const model = await pool.query<{ id: string }>(
    `insert into product_models (brand_id, model_number, model_name, category, warranty_months)
     values ($1, $2, 'Washer', 'appliances', 24) returning id`,
    [brandId, `M-${tag}`],
  );
  const productId = randomUUID();
  await pool.query(
    `insert into products (id, owner_id, brand_id, model_id, serial_number, purchase_date, warranty_expires_on,
                           invoice_blob, invoice_content_type)
     values ($1, $2, $3, $4, $5, date '2026-01-10', date '2028-01-10', 'invoices/x.pdf', 'application/pdf')`,
    [productId, people.customerId, brandId, model.rows[0]?.id, `SN-${tag}`],
  );
  const id = randomUUID();
  await pool.query(
    `insert into service_requests (id, product_id, customer_id, technician_id, status, description, closed_at)
     values ($1, $2, $3, $4, $5, 'It leaks.', $6)`,
    [id, productId, people.customerId, people.technicianId, people.closedAt ? "closed" : "assigned", people.closedAt ?? null],
  );
  return id;
}

/** A bus of its own (one per relay instance, as separate processes would have). */
export async function makeBus(kind: TestBusKind, databaseUrl: string, queuePrefix: string): Promise<{ bus: Bus; pool: Pool }> {
  const pool = createPool(databaseUrl, { max: 10, applicationName: "chat-test" });
  const transport: Transport =
    kind === "amqp"
      ? createAmqpTransport({ url: inject("amqpUrl"), logger: testLogger(), publishTimeoutMs: 2000 })
      : createPostgresTransport({ pool, logger: testLogger(), pollIntervalMs: 100 });
  return { bus: createBus({ transport, validator: await loadValidator(), logger: testLogger(), queuePrefix }), pool };
}

/** Relay settings for tests: any free port, a short send timeout, fast retries. */
export function relayConfig(overrides: Partial<ChatRelayConfig> = {}): ChatRelayConfig {
  return {
    port: 0,
    host: "127.0.0.1",
    instanceId: randomUUID().slice(0, 12),
    sendTimeoutMs: 5000,
    maxConnectionsPerUser: 10,
    runWorker: true,
    retentionIntervalMs: 3_600_000,
    ...overrides,
  };
}

/** One relay instance with its own bus and pool. */
export interface TestRelay extends ChatRelayInstance {
  readonly bus: Bus;
  readonly pool: Pool;
  readonly hubUrl: string;
}

/** Starts a relay instance on its own bus and pool, with the hub's defaults unless `hub` says; `stop` closes all three. */
export async function startTestRelay(
  kind: TestBusKind,
  databaseUrl: string,
  queuePrefix: string,
  overrides: Partial<ChatRelayConfig> = {},
  hub?: ChatRelayDeps["hub"],
): Promise<TestRelay> {
  const { bus, pool } = await makeBus(kind, databaseUrl, queuePrefix);
  const instance = await startChatRelay({
    pool,
    bus,
    logger: testLogger(),
    metrics: createMetrics(),
    verifyToken: createTokenVerifier(SECRET),
    connectionSecret: SECRET,
    config: relayConfig(overrides),
    worker: { concurrency: 4, maxAttempts: 20, backoff: { baseMs: 50, maxMs: 400 } },
    ...(hub === undefined ? {} : { hub }),
  });
  return {
    ...instance,
    bus,
    pool,
    hubUrl: `${instance.url}${CHAT_HUB_PATH}`,
    async stop() {
      await instance.stop();
      await bus.close();
      await pool.end();
    },
  };
}

/** Deletes the RabbitMQ queues and exchange a test prefix created. */
export async function cleanupAmqp(queuePrefix: string): Promise<void> {
  await withAmqpChannel(inject("amqpUrl"), async (channel) => {
    for (const queue of [QUEUES.chat, `${QUEUES.chat}.retry`, `${QUEUES.chat}.dlq`]) await channel.deleteQueue(`${queuePrefix}${queue}`);
    await channel.deleteExchange(`${queuePrefix}${TOPICS.chatFanout}`);
  });
}

/** A fresh queue prefix. */
export function chatPrefix(): string {
  return uniquePrefix();
}

/** A connected official client that records every OnMessageReceived. */
export interface ChatClient {
  readonly connection: ReturnType<typeof officialClient>;
  readonly received: ChatMessage[];
  readonly removed: string[];
  join(serviceRequestId: string, afterSequence?: number): Promise<ChatMessage[]>;
  send(serviceRequestId: string, text: string, clientMessageId?: string): Promise<ChatMessage>;
  stop(): Promise<void>;
}

/** Which transport and hub protocol the official client uses; WebSockets and JSON when not said. */
export interface ClientVariant {
  readonly transport?: HttpTransportType;
  readonly protocol?: "json" | "messagepack";
}

/** Connects the real @microsoft/signalr client to a relay's hub as `user`. */
export async function connectClient(hubUrl: string, token: string, variant: ClientVariant = {}): Promise<ChatClient> {
  const options = variant.transport === undefined ? {} : { transport: variant.transport };
  const protocol = variant.protocol === "messagepack" ? new MessagePackHubProtocol() : undefined;
  const connection = officialClient(hubUrl, token, options, undefined, protocol);
  const received: ChatMessage[] = [];
  const removed: string[] = [];
  connection.on("OnMessageReceived", (message: ChatMessage) => received.push(message));
  connection.on("OnRemovedFromServiceRequest", (id: string) => removed.push(id));
  await connection.start();
  return {
    connection,
    received,
    removed,
    join: (id, after) => connection.invoke<ChatMessage[]>("JoinServiceRequest", id, after ?? 0),
    send: (id, text, clientMessageId) => connection.invoke<ChatMessage>("SendMessage", id, text, clientMessageId ?? randomUUID()),
    stop: () => connection.stop(),
  };
}
