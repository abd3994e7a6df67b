// A whole registration pipeline in one test process: API app, ingest handler with outbox relay,
// OCR worker with the local engine, over a fresh database, real blob storage and a real bus.
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { createAzureBlobStore } from "../../lib/blob/index.ts";
import type { BlobStore } from "../../lib/blob/index.ts";
import { createAmqpTransport, createBus, createPostgresTransport } from "../../lib/bus/index.ts";
import type { Bus, Consumer, Transport } from "../../lib/bus/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { startOutboxRelay } from "../../lib/outbox/index.ts";
import type { OutboxRelay } from "../../lib/outbox/index.ts";
import { loadValidator } from "../../lib/runtime/index.ts";
import { productRoutes } from "../../services/api/registration/routes.ts";
import { serviceRequestRoutes } from "../../services/api/service-requests/routes.ts";
import { QUEUES } from "../../lib/messages/index.ts";
import { createRegistrationHandler } from "../../services/ingest/registration/index.ts";
import { createLocalEngine } from "../../services/ocr/engines/index.ts";
import type { OcrEngine } from "../../services/ocr/engines/index.ts";
import { createOcrHandler } from "../../services/ocr/handler.ts";
import { testApp } from "../support/api-app.ts";
import { deleteQueues, recordQueues } from "../support/amqp.ts";
import { testLogger, uniquePrefix } from "../support/bus.ts";
import { createTestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import type { TestDatabase } from "../support/database.ts";

export type TransportKind = "postgres" | "amqp";

/** A running pipeline and what a test needs to drive it. */
export interface Stack {
  readonly db: TestDatabase;
  readonly pool: Pool;
  readonly bus: Bus;
  readonly blob: BlobStore;
  /** The bus's queue prefix, for a second bus on the same queues. */
  readonly prefix: string;
  readonly app: Awaited<ReturnType<typeof testApp>>["app"];
  /** A bearer header for `subject` with `role`. */
  auth(subject: string, role: "consumer" | "super_admin" | "operator" | "technician" | "brand_admin"): Promise<Record<string, string>>;
  /** Starts (again) the workers: registration consumer, outbox relay (on `relayBus`, default the stack's bus) and OCR. */
  startWorkers(options?: { readonly relayBus?: Bus; readonly ocr?: boolean }): Promise<void>;
  stopWorkers(): Promise<void>;
  stop(): Promise<void>;
}

/** Bus over `kind`, with a fresh queue prefix; the amqp variant remembers its queues for cleanup. */
export async function testBus(kind: TransportKind, pool: Pool, options: { prefix?: string; url?: string } = {}) {
  const logger = testLogger();
  let transport: Transport;
  let queues: Set<string> | undefined;
  if (kind === "postgres") {
    transport = createPostgresTransport({ pool, logger, pollIntervalMs: 100 });
  } else {
    const recorded = recordQueues(createAmqpTransport({ url: options.url ?? inject("amqpUrl"), logger, publishTimeoutMs: 2000 }));
    transport = recorded.transport;
    queues = recorded.queues;
  }
  const bus = createBus({ transport, validator: await loadValidator(), logger, queuePrefix: options.prefix ?? uniquePrefix() });
  return { bus, queues };
}

/** The test invoice limits: small enough to keep hostile files cheap. */
export const TEST_OCR_LIMITS = {
  maxFileBytes: 11 * 1024 * 1024,
  maxPages: 5,
  maxPixels: 20_000_000,
  maxInflatedBytes: 8 * 1024 * 1024,
  timeoutMs: 60_000,
  workerMemoryMb: 512,
} as const;

/** Brings the pipeline up over `kind`, with the catalog of {@link seedCatalog}. */
export async function startStack(kind: TransportKind): Promise<Stack> {
  const db = await createTestDatabase();
  await seedCatalog(db.pool);
  const prefix = uniquePrefix();
  const { bus, queues } = await testBus(kind, db.pool, { prefix });
  const blob = createAzureBlobStore({
    connectionString: inject("storageConnectionString"),
    containerPrefix: `t${randomUUID().slice(0, 8)}-`,
  });
  const api = await testApp({ routes: [productRoutes({ pool: db.pool, bus, blob }), serviceRequestRoutes({ pool: db.pool })] });
  let consumers: Consumer[] = [];
  let relay: OutboxRelay | undefined;
  let engine: OcrEngine | undefined;
  const logger = testLogger();
  const stopWorkers = async () => {
    await Promise.all(consumers.splice(0).map((c) => c.close()));
    await relay?.stop();
    relay = undefined;
    await engine?.close();
    engine = undefined;
  };
  return {
    db,
    pool: db.pool,
    bus,
    blob,
    prefix,
    app: api.app,
    auth: async (subject, role) => ({ authorization: `Bearer ${await api.sign({ subject, role, ...(role === "brand_admin" ? { brand: "Acme" } : {}) })}` }),
    async startWorkers(options = {}) {
      const backoff = { baseMs: 50, maxMs: 200 };
      consumers.push(await bus.consume(QUEUES.registration, createRegistrationHandler({ pool: db.pool, blob }), { backoff, maxAttempts: 20 }));
      relay = startOutboxRelay({ pool: db.pool, bus: options.relayBus ?? bus, logger, idleMs: 100 });
      if (options.ocr ?? true) {
        engine = createLocalEngine({ limits: TEST_OCR_LIMITS, dateOrder: "dmy" });
        const handler = createOcrHandler({ pool: db.pool, blob, engine, toleranceDays: 7, maxFileBytes: TEST_OCR_LIMITS.maxFileBytes });
        consumers.push(await bus.consume(QUEUES.ocr, handler, { concurrency: 1, maxAttempts: 3, backoff }));
      }
    },
    stopWorkers,
    async stop() {
      await stopWorkers();
      consumers = [];
      await bus.close();
      await listenersGone(db);
      if (queues) await deleteQueues(inject("amqpUrl"), queues);
      await db.drop();
    },
  };
}

/**
 * Waits until the bus's LISTEN connection has really ended: a forced drop while it is still
 * closing makes lib/bus's listener release its client twice (an uncaught pg-pool error).
 */
async function listenersGone(db: TestDatabase): Promise<void> {
  await waitFor(async () => {
    const { rows } = await db.pool.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()",
    );
    return rows[0]?.n === 0;
  }, { what: "LISTEN connections to close" });
}

/**
 * Acme (serials `@@@###`): WM-1200, 60 months. Globex (no brand format): TV-65X, 12 months,
 * serials `GX#{6}`; RF-550, 1 month, any serial.
 */
export async function seedCatalog(pool: Pool): Promise<void> {
  await pool.query(`
    insert into brands (name, serial_format) values ('Acme', '@@@###'), ('Globex', null);
    insert into product_models (brand_id, model_number, model_name, category, warranty_months, serial_format)
      select id, 'WM-1200', 'Washing machine 1200', 'laundry', 60, null from brands where name = 'Acme';
    insert into product_models (brand_id, model_number, model_name, category, warranty_months, serial_format)
      select id, 'TV-65X', 'Television 65', 'tv', 12, 'GX#{6}' from brands where name = 'Globex';
    insert into product_models (brand_id, model_number, model_name, category, warranty_months, serial_format)
      select id, 'RF-550', 'Refrigerator', 'kitchen', 1, null from brands where name = 'Globex';`);
}

/** The text fields of a registration; override any. */
export interface FormFields {
  brand?: string;
  modelNumber?: string;
  serialNumber?: string;
  purchaseDate?: string;
}

/** A multipart registration form; fields set to undefined are left out, as is a missing invoice. */
export function registrationForm(
  fields: FormFields,
  invoice?: { readonly bytes: Uint8Array; readonly name?: string; readonly type?: string },
): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields) as [string, string | undefined][]) if (value !== undefined) form.append(name, value);
  if (invoice) {
    form.append("invoice", new Blob([new Uint8Array(invoice.bytes)], { type: invoice.type ?? "application/pdf" }), invoice.name ?? "invoice.pdf");
  }
  return form;
}
