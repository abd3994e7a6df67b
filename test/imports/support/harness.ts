import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { createAzureBlobStore } from "../../../lib/blob/index.ts";
import type { BlobStore } from "../../../lib/blob/index.ts";
import { createAmqpTransport, createBus, createPostgresTransport } from "../../../lib/bus/index.ts";
import type { Bus, Transport } from "../../../lib/bus/index.ts";
import type { ImportJobView, ImportSettings } from "../../../lib/imports/index.ts";
import { startOutboxRelay } from "../../../lib/outbox/index.ts";
import type { OutboxRelay } from "../../../lib/outbox/index.ts";
import { loadValidator } from "../../../lib/runtime/index.ts";
import { brandRoutes } from "../../../services/api/catalog/brands.ts";
import { importRoutes } from "../../../services/api/imports/routes.ts";
import { startImportWorkers } from "../../../services/ingest/imports/index.ts";
import type { ImportWorkers } from "../../../services/ingest/imports/index.ts";
import { deleteQueues, recordQueues } from "../../support/amqp.ts";
import { testLogger, uniquePrefix } from "../../support/bus.ts";
import { createTestDatabase } from "../../support/database.ts";
import type { TestDatabase } from "../../support/database.ts";
import { waitFor } from "../../support/wait.ts";
import { testApp } from "../../support/api-app.ts";

/** Which broker a harness runs on. */
export type TransportKind = "postgres" | "amqp";

/** An ingress app, a worker set and everything under them, on fresh names. */
export interface Harness {
  readonly db: TestDatabase;
  readonly bus: Bus;
  readonly blob: BlobStore;
  readonly prefix: string;
  readonly containerPrefix: string;
  readonly app: Awaited<ReturnType<typeof testApp>>["app"];
  token(role: "super_admin" | "brand_admin" | "consumer", options?: { subject?: string; brand?: string }): Promise<string>;
  /** Starts (another) set of in-process workers; `stop` stops them all. */
  startWorkers(): Promise<ImportWorkers>;
  upload(csv: string, options: UploadOptions): Promise<Response>;
  /** Uploads and waits for the job to end. */
  run(csv: string, options: UploadOptions): Promise<ImportJobView>;
  waitEnded(id: string, token: string): Promise<ImportJobView>;
  brand(name: string, serialFormat?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Options of an upload through the harness. */
export interface UploadOptions {
  readonly dryRun: boolean;
  readonly token: string;
  readonly maxInvalidPercent?: number;
  readonly contentType?: string;
}

/** Builds a harness; `settings` default to small chunks so a few rows span several of them. */
export async function createHarness(kind: TransportKind, settings: Partial<ImportSettings> = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const prefix = uniquePrefix();
  const containerPrefix = `t${randomUUID().slice(0, 8)}-`;
  const recorded = recordQueues(makeTransport(kind, db));
  const bus = createBus({ transport: recorded.transport, validator: await loadValidator(), logger: testLogger(), queuePrefix: prefix });
  const blob = createAzureBlobStore({ connectionString: inject("storageConnectionString"), containerPrefix });
  const relay: OutboxRelay = startOutboxRelay({ pool: db.pool, bus, logger: testLogger(), idleMs: 100 });
  const importSettings: ImportSettings = { maxBytes: settings.maxBytes ?? 10_000_000, chunkBytes: settings.chunkBytes ?? 64 };
  const deps = { pool: db.pool, bus, blob, settings: importSettings, pollMs: 50 };
  const api = await testApp({ routes: [brandRoutes({ pool: db.pool }), importRoutes(deps)] });
  const workers: ImportWorkers[] = [];
  const harness: Harness = {
    db,
    bus,
    blob,
    prefix,
    containerPrefix,
    app: api.app,
    token: (role, options = {}) =>
      api.sign({ subject: options.subject ?? `user-${role}`, role, ...(options.brand ? { brand: options.brand } : {}) }),
    async startWorkers() {
      const w = await startImportWorkers({ pool: db.pool, bus, blob, consume: { concurrency: 2, backoff: { baseMs: 50, maxMs: 200 } } });
      workers.push(w);
      return w;
    },
    upload(csv, options) {
      const query = `dryRun=${options.dryRun}${options.maxInvalidPercent === undefined ? "" : `&maxInvalidPercent=${options.maxInvalidPercent}`}`;
      return Promise.resolve(
        api.app.request(`/api/v1/imports?${query}`, {
          method: "POST",
          headers: { authorization: `Bearer ${options.token}`, "content-type": options.contentType ?? "text/csv" },
          body: csv,
        }),
      );
    },
    async run(csv, options) {
      const response = await harness.upload(csv, options);
      if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
      const { id } = (await response.json()) as { id: string };
      return harness.waitEnded(id, options.token);
    },
    async waitEnded(id, token) {
      return waitFor(
        async () => {
          const response = await api.app.request(`/api/v1/imports/${id}`, { headers: { authorization: `Bearer ${token}` } });
          const job = (await response.json()) as ImportJobView;
          return job.status === "succeeded" || job.status === "failed" ? job : undefined;
        },
        { timeoutMs: 45_000, intervalMs: 50, what: `import ${id} to end` },
      );
    },
    async brand(name, serialFormat) {
      const { rows } = await db.pool.query<{ id: string }>(
        "insert into brands (name, serial_format) values ($1, $2) returning id::text as id",
        [name, serialFormat ?? null],
      );
      return rows[0]?.id ?? "";
    },
    async stop() {
      for (const w of workers.splice(0)) await w.stop();
      await relay.stop();
      await bus.close();
      if (kind === "amqp") await deleteQueues(inject("amqpUrl"), recorded.queues);
      await db.drop();
    },
  };
  return harness;
}

function makeTransport(kind: TransportKind, db: TestDatabase): Transport {
  if (kind === "postgres") return createPostgresTransport({ pool: db.pool, logger: testLogger(), pollIntervalMs: 100, leaseMs: 5000 });
  return createAmqpTransport({ url: inject("amqpUrl"), logger: testLogger() });
}

/** A CSV file from a header and rows (cells joined as given). */
export function csv(rows: readonly string[], header = "brand,model_number,model_name,category,warranty_months,release_date,serial_format"): string {
  return `${[header, ...rows].join("\r\n")}\r\n`;
}
