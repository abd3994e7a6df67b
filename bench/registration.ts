// Registration ingress throughput: autocannon against POST /api/v1/products with a 100 KB PDF
// invoice (bearer token check, streamed multipart parse, magic-byte sniffing, upload to Azurite
// while the catalog is checked in PostgreSQL, a pending record and a published registration
// message), and in the same run against two bare Hono routes that parse the same form and
// validate the same fields with ajv: one stores nothing (the baseline of the ratio), the other
// also puts the invoice bytes into Azurite in one request, to show what storage alone costs.
// Prints req/s, p95 and p99 for each and the ratios (target ≥ 0.5× of the bare baseline).
// Run: npm run bench:registration (not part of npm test). Needs PostgreSQL (BENCH_DATABASE_URL,
// default postgres://postgres@127.0.0.1:5432/postgres, a throw-away database is created).
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { serve } from "@hono/node-server";
import type { ServerType } from "@hono/node-server";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import autocannon from "autocannon";
import { Hono } from "hono";
import { createTokenSigner, createTokenVerifier } from "../lib/auth/index.ts";
import { createAzureBlobStore } from "../lib/blob/index.ts";
import type { BlobStore } from "../lib/blob/index.ts";
import { createBus, createPostgresTransport } from "../lib/bus/index.ts";
import { createPool, migrateUp } from "../lib/db/index.ts";
import { startAzurite } from "../lib/embedded/index.ts";
import { createHealth } from "../lib/health/index.ts";
import { createLogger } from "../lib/log/index.ts";
import { createMetrics } from "../lib/metrics/index.ts";
import { loadValidator } from "../lib/runtime/index.ts";
import { createApp } from "../services/api/app.ts";
import { productRoutes } from "../services/api/registration/routes.ts";
import { loadApiSchemas } from "../services/api/schemas.ts";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const INVOICE_BYTES = 100 * 1024;
const BOUNDARY = "----bench-boundary-7d1f";
const SERIAL_WIDTH = 16;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** A 100 KB "PDF" form whose serial sits at a known offset, so each request gets its own. */
function formTemplate(): { body: Buffer; serialAt: number } {
  const field = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = field("brand", "Bench") + field("modelNumber", "BX-1") + field("purchaseDate", "2024-03-05");
  const serialHead = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="serialNumber"\r\n\r\n`;
  const fileHead = `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="invoice"; filename="invoice.pdf"\r\nContent-Type: application/pdf\r\n\r\n`;
  const pdf = Buffer.alloc(INVOICE_BYTES, 0x20);
  pdf.write("%PDF-1.7\n", 0, "latin1");
  const body = Buffer.concat([Buffer.from(head + serialHead), Buffer.alloc(SERIAL_WIDTH, 0x30), Buffer.from(fileHead), pdf, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]);
  return { body, serialAt: Buffer.byteLength(head + serialHead) };
}

/**
 * The baseline: Hono's own form parsing plus an ajv check of the same fields; it checks no token
 * and stores nothing. With `store`, the invoice's bytes then go to Azurite in one Put Blob.
 */
function baselineApp(store?: BlobStore): Hono {
  const ajv = addFormats(new Ajv2020({ allErrors: true }));
  const validate = ajv.compile({
    type: "object",
    required: ["brand", "modelNumber", "serialNumber", "purchaseDate", "invoice"],
    properties: {
      brand: { type: "string", minLength: 1, maxLength: 100 },
      modelNumber: { type: "string", minLength: 1, maxLength: 64 },
      serialNumber: { type: "string", minLength: 1, maxLength: 100 },
      purchaseDate: { type: "string", format: "date" },
    },
  });
  const app = new Hono();
  app.post("/api/v1/products", async (c) => {
    const form = await c.req.parseBody();
    if (!validate(form) || !(form.invoice instanceof File)) return c.json({ error: validate.errors }, 422);
    const id = randomUUID();
    if (store !== undefined) await store.upload("bench-baseline", id, Readable.from([Buffer.from(await form.invoice.arrayBuffer())]));
    return c.json({ id, status: "pending" }, 202);
  });
  return app;
}

interface Figures {
  readonly rps: number;
  readonly p95: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
  /** CPU of this process (server and load generator) per response, in ms: steadier than req/s on a shared machine. */
  readonly cpuMs: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function load(url: string, headers: Record<string, string>): Promise<Figures> {
  const { body, serialAt } = formTemplate();
  let counter = 0;
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  let instance: autocannon.Instance | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [
      {
        method: "POST",
        path: "/api/v1/products",
        headers: { ...headers, "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
        setupRequest: (request) => {
          const copy = Buffer.from(body);
          copy.write(`S${String(counter++).padStart(SERIAL_WIDTH - 1, "0")}`, serialAt, "latin1");
          return { ...request, body: copy };
        },
      },
    ],
    }, (error, result) => (error ? reject(error as Error) : resolve(result)));
  });
  instance?.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
  const result = await done;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / Math.max(1, latencies.length);
  latencies.sort((a, b) => a - b);
  const { non2xx, errors } = result;
  return { rps: result.requests.average, p95: percentile(latencies, 95), p99: percentile(latencies, 99), non2xx, errors, cpuMs };
}

/** Serves `fetch`; `idle()` resolves once no handler is running (autocannon abandons its last requests). */
async function listen(
  fetch: (request: Request) => Response | Promise<Response>,
): Promise<{ url: string; server: ServerType; idle(): Promise<void> }> {
  let inFlight = 0;
  const counted = async (request: Request) => {
    inFlight += 1;
    try {
      return await fetch(request);
    } finally {
      inFlight -= 1;
    }
  };
  const idle = async () => {
    while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  };
  return new Promise((resolve) => {
    const server = serve({ fetch: counted, port: 0, hostname: "127.0.0.1" }, (info) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, server, idle }),
    );
  });
}

const logger = createLogger({ level: "warn", name: "bench" });
const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `bench_registration_${randomUUID().slice(0, 8)}`;
const admin = createPool(adminUrl, { max: 1 });
await admin.query(`create database ${dbName}`);
const dbUrl = new URL(adminUrl);
dbUrl.pathname = `/${dbName}`;
const pool = createPool(dbUrl.toString(), { max: 20 });
const azurite = await startAzurite({ port: 0, inMemory: true, logger });
try {
  await migrateUp(pool);
  await pool.query(`insert into brands (name) values ('Bench');
    insert into product_models (brand_id, model_number, model_name, category, warranty_months)
      select id, 'BX-1', 'Bench model', 'bench', 24 from brands`);
  const bus = createBus({ transport: createPostgresTransport({ pool, logger }), validator: await loadValidator(), logger });
  const blob = createAzureBlobStore({ connectionString: azurite.connectionString });
  const secret = "bench-secret-long-enough-for-hs256-tokens!";
  const app = createApp({
    logger,
    metrics: createMetrics(),
    health: createHealth({}),
    verifyToken: createTokenVerifier(secret),
    schemas: await loadApiSchemas(),
    routes: [productRoutes({ pool, bus, blob })],
  });
  const token = await createTokenSigner(secret)({ subject: "bench-user", role: "consumer" });
  const real = await listen(app.fetch);
  const bare = await listen(baselineApp().fetch);
  const storing = await listen(baselineApp(blob).fetch);
  const headers = { authorization: `Bearer ${token}` };
  const baseline = await load(bare.url, headers);
  const stored = await load(storing.url, headers);
  const registration = await load(real.url, headers);
  const row = (name: string, f: Figures) =>
    `${name.padEnd(34)} ${f.rps.toFixed(1).padStart(8)} req/s   p95 ${f.p95.toFixed(1).padStart(6)} ms   p99 ${f.p99.toFixed(1).padStart(6)} ms   cpu ${f.cpuMs.toFixed(2)} ms/req   non-2xx ${f.non2xx}   errors ${f.errors}`;
  console.log(`autocannon: ${CONNECTIONS} connections, ${DURATION_S} s each, ${INVOICE_BYTES / 1024} KB PDF invoice`);
  console.log(row("baseline: parseBody + ajv", baseline));
  console.log(row("baseline + Put Blob to Azurite", stored));
  console.log(row("POST /api/v1/products", registration));
  console.log("(the baselines check no token and record nothing; the second only adds storing the invoice;");
  console.log(" cpu is this process only, load generator included: Azurite and PostgreSQL run elsewhere)");
  console.log(`ratio registration / baseline: ${(registration.rps / baseline.rps).toFixed(2)}× (target ≥ 0.5×)`);
  console.log(`ratio registration / baseline with storage: ${(registration.rps / stored.rps).toFixed(2)}×`);
  // Requests autocannon abandoned at the end finish before the pool goes away.
  for (const served of [real, bare, storing]) {
    await served.idle();
    await new Promise((resolve) => {
      served.server.close(resolve);
      if ("closeAllConnections" in served.server) served.server.closeAllConnections();
    });
  }
  await bus.close();
} finally {
  await pool.end();
  await azurite.stop();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
