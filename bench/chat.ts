// Chat send-to-receive latency: BENCH_CLIENTS WebSocket clients (default 1,000) in pairs, the
// customer of each pair on relay instance A and its technician on instance B, SignalR JSON
// protocol over `ws`; every send goes through the chat queue, the worker (group commit into
// PostgreSQL, gap-free sequences) and the fan-out to both instances. Steady total send rates are
// stepped up; for each step p50/p95/p99 of send → OnMessageReceived and the CPU the bench process
// spent per 1,000 messages (relays, workers and clients run in this one process, so the raw
// baseline's figure is what the clients alone cost). Both buses (BENCH_BUSES, default
// "amqp,postgres") run in one run, then the same clients talk through a raw `ws` room-broadcast
// server (no storage) as the baseline. Prints every table, the highest rate each sustains with
// p99 < 50 ms (every message delivered within 2 s of its step), and the p99 ratios.
// Run: npm run bench:chat (not part of npm test). Needs PostgreSQL (BENCH_DATABASE_URL) and, for
// the amqp bus, RabbitMQ (BENCH_AMQP_URL).
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { createTokenSigner, createTokenVerifier } from "../lib/auth/index.ts";
import { createAmqpTransport, createBus, createPostgresTransport } from "../lib/bus/index.ts";
import { createPool, migrateUp } from "../lib/db/index.ts";
import type { Pool } from "../lib/db/index.ts";
import { createLogger } from "../lib/log/index.ts";
import { createMetrics } from "../lib/metrics/index.ts";
import { loadValidator } from "../lib/runtime/index.ts";
import { CHAT_HUB_PATH } from "../services/chat-relay/hub.ts";
import { startChatRelay } from "../services/chat-relay/server.ts";
import type { ChatRelayInstance } from "../services/chat-relay/server.ts";

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const PAIRS = Math.floor(CLIENTS / 2);
const BUSES = (process.env.BENCH_BUSES ?? "amqp,postgres").split(",").filter((bus): bus is Bus => bus === "amqp" || bus === "postgres");
type Bus = "amqp" | "postgres";
const STEP_MS = Number(process.env.BENCH_STEP_S ?? 4) * 1000;
const RATES = (process.env.BENCH_RATES ?? "100,200,400,700,1000,1500,2000").split(",").map(Number);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const AMQP_URL = process.env.BENCH_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const SECRET = "bench-chat-secret-0123456789abcdef0123";
const P99_TARGET_MS = 50;
const DRAIN_MS = 2000;
const RS = "\x1e";
const logger = createLogger({ level: "silent", name: "bench" });

/** One socket: a SignalR client speaking the JSON protocol by hand, or a raw room client. */
class BenchClient {
  readonly #ws: WebSocket;
  readonly #pending = new Map<string, (error?: string) => void>();
  #next = 0;
  onText: (text: string) => void = () => undefined;

  private constructor(ws: WebSocket, signalr: boolean) {
    this.#ws = ws;
    ws.on("message", (data: Buffer) => (signalr ? this.#records(data.toString("utf8")) : this.onText(data.toString("utf8"))));
  }

  static async open(url: string, token: string | undefined, signalr: boolean): Promise<BenchClient> {
    const ws = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    await new Promise<void>((resolve, reject) => ws.once("open", () => resolve()).once("error", reject));
    const client = new BenchClient(ws, signalr);
    if (signalr) {
      const handshake = new Promise<void>((resolve) => client.#pending.set("handshake", () => resolve()));
      ws.send(`{"protocol":"json","version":1}${RS}`);
      await handshake;
    }
    return client;
  }

  #records(text: string): void {
    for (const record of text.split(RS)) {
      if (record === "") continue;
      const message = JSON.parse(record) as { type?: number; target?: string; arguments?: [{ text: string }]; invocationId?: string; error?: string };
      if (message.type === undefined) this.#pending.get("handshake")?.();
      else if (message.type === 1 && message.target === "OnMessageReceived") this.onText(message.arguments?.[0].text ?? "");
      else if (message.type === 3 && message.invocationId !== undefined) {
        this.#pending.get(message.invocationId)?.(message.error);
        this.#pending.delete(message.invocationId);
      }
    }
  }

  invoke(target: string, ...args: unknown[]): Promise<void> {
    const invocationId = String(this.#next++);
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(invocationId, (error) => (error ? reject(new Error(error)) : resolve()));
      this.#ws.send(`${JSON.stringify({ type: 1, invocationId, target, arguments: args })}${RS}`);
    });
  }

  ping(): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(`{"type":6}${RS}`);
  }

  sendRaw(text: string): void {
    this.#ws.send(text);
  }

  close(): void {
    this.#ws.terminate();
  }
}

interface Pair {
  readonly id: string;
  readonly customer: BenchClient;
  readonly technician: BenchClient;
}

interface StepResult {
  readonly rate: number;
  readonly sent: number;
  /** Not received by the end of the step's drain time (late, or lost). */
  readonly lost: number;
  readonly errors: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** CPU time of this process per 1,000 messages sent. */
  readonly cpuMsPer1000: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN);
}

/** Sends `rate` messages per second in total, round-robin over the pairs, for one step. */
async function runStep(pairs: readonly Pair[], rate: number, send: (pair: Pair, text: string) => Promise<void>): Promise<StepResult> {
  const latencies: number[] = [];
  const open = new Map<string, number>();
  for (const pair of pairs) {
    pair.technician.onText = (text) => {
      const started = open.get(text);
      if (started === undefined) return;
      open.delete(text);
      latencies.push(performance.now() - started);
    };
  }
  let sent = 0;
  let errors = 0;
  const cpu = process.cpuUsage();
  const began = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - began;
      const due = Math.min(Math.floor((elapsed / 1000) * rate), Math.floor((STEP_MS / 1000) * rate));
      for (; sent < due; sent++) {
        const pair = pairs[sent % pairs.length] as Pair;
        const text = `${rate}:${sent}:${randomUUID().slice(0, 8)}`;
        open.set(text, performance.now());
        send(pair, text).catch(() => (errors += 1));
      }
      if (elapsed >= STEP_MS) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  const drainUntil = performance.now() + DRAIN_MS;
  while (open.size > errors && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  const used = process.cpuUsage(cpu);
  const cpuMsPer1000 = sent === 0 ? Number.NaN : ((used.user + used.system) / 1000 / sent) * 1000;
  const sorted = latencies.sort((x, y) => x - y);
  return { rate, sent, lost: sent - latencies.length, errors, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), cpuMsPer1000 };
}

async function runSeries(label: string, pairs: readonly Pair[], send: (pair: Pair, text: string) => Promise<void>): Promise<StepResult[]> {
  const results: StepResult[] = [];
  // Warm-up (pools, JIT, broker channels), not reported.
  await runStep(pairs, RATES[0] ?? 50, send);
  let failedInARow = 0;
  for (const rate of RATES) {
    const result = await runStep(pairs, rate, send);
    results.push(result);
    const f = (n: number) => n.toFixed(1).padStart(7);
    console.log(
      `${label.padEnd(8)} ${String(rate).padStart(5)} msg/s  sent ${String(result.sent).padStart(6)}  late ${result.lost}  errors ${result.errors}  p50 ${f(result.p50)} ms  p95 ${f(result.p95)} ms  p99 ${f(result.p99)} ms  cpu ${f(result.cpuMsPer1000)} ms/1000 msg`,
    );
    // One bad step can be noise on a shared machine; two in a row with messages late is the limit.
    failedInARow = keptUp(result) ? 0 : failedInARow + 1;
    if (failedInARow === 2) break;
  }
  return results;
}

/** Every message stored and delivered within the step and its drain time, none refused. */
function keptUp(result: StepResult): boolean {
  return result.lost === 0 && result.errors === 0;
}

function sustained(result: StepResult): boolean {
  return keptUp(result) && result.p99 < P99_TARGET_MS;
}

async function seed(pool: Pool): Promise<string[]> {
  const brand = await pool.query<{ id: string }>("insert into brands (name) values ('Bench') returning id");
  const model = await pool.query<{ id: string }>(
    "insert into product_models (brand_id, model_number, model_name, category, warranty_months) values ($1, 'B-1', 'Bench', 'bench', 12) returning id",
    [brand.rows[0]?.id],
  );
  const ids: string[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const product = randomUUID();
    const id = randomUUID();
    await pool.query(
      `insert into products (id, owner_id, brand_id, model_id, serial_number, purchase_date, warranty_expires_on, invoice_blob, invoice_content_type)
       values ($1, $2, $3, $4, $5, '2026-01-01', '2027-01-01', 'x', 'application/pdf')`,
      [product, `customer-${i}`, brand.rows[0]?.id, model.rows[0]?.id, `SN-${i}`],
    );
    await pool.query(
      "insert into service_requests (id, product_id, customer_id, technician_id, status, description) values ($1, $2, $3, $4, 'assigned', 'bench')",
      [id, product, `customer-${i}`, `tech-${i}`],
    );
    ids.push(id);
  }
  return ids;
}

async function startRelay(databaseUrl: string, prefix: string, bus: Bus) {
  const pool = createPool(databaseUrl, { max: 20 });
  const transport =
    bus === "amqp" ? createAmqpTransport({ url: AMQP_URL, logger }) : createPostgresTransport({ pool, logger, pollIntervalMs: 200 });
  const messageBus = createBus({ transport, validator: await loadValidator(), logger, queuePrefix: prefix });
  const relay: ChatRelayInstance = await startChatRelay({
    pool,
    bus: messageBus,
    connectionSecret: SECRET,
    logger,
    metrics: createMetrics(),
    verifyToken: createTokenVerifier(SECRET),
    config: { port: 0, host: "127.0.0.1", instanceId: randomUUID().slice(0, 12), sendTimeoutMs: 10_000, maxConnectionsPerUser: 10, runWorker: true, retentionIntervalMs: 3_600_000 },
    worker: { concurrency: 16, maxAttempts: 5 },
  });
  return { relay, stop: async () => (await relay.stop(), await messageBus.close(), await pool.end()) };
}

/** The baseline: a `ws` server that forwards every message to the other sockets of its room. */
async function startRawServer() {
  const server = createServer();
  const wss = new WebSocketServer({ server });
  const rooms = new Map<string, Set<WebSocket>>();
  wss.on("connection", (ws, req) => {
    const room = new URL(req.url ?? "/", "http://x").searchParams.get("room") ?? "";
    const members = rooms.get(room) ?? new Set<WebSocket>();
    rooms.set(room, members.add(ws));
    ws.on("message", (data: Buffer) => {
      for (const member of members) if (member !== ws) member.send(data.toString("utf8"));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `ws://127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => (wss.close(), server.closeAllConnections(), server.close(() => resolve()))) };
}

async function main(): Promise<void> {
  const name = `bench_chat_${randomUUID().slice(0, 8)}`;
  const admin = createPool(ADMIN_URL, { max: 1 });
  await admin.query(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), { max: 4 });
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    await migrateUp(pool);
    const ids = await seed(pool);
    const results: { label: string; steps: StepResult[] }[] = [];
    for (const bus of BUSES) results.push({ label: bus, steps: await runBus(bus, url.toString(), ids) });

    const raw = await startRawServer();
    cleanup.push(raw.stop);
    const rawPairs: Pair[] = [];
    for (let i = 0; i < ids.length; i++) {
      const customer = await BenchClient.open(`${raw.url}/?room=${i}`, undefined, false);
      const technician = await BenchClient.open(`${raw.url}/?room=${i}`, undefined, false);
      rawPairs.push({ id: String(i), customer, technician });
    }
    cleanup.push(async () => rawPairs.forEach((p) => (p.customer.close(), p.technician.close())));
    const rawResults = await runSeries("raw ws", rawPairs, (pair, text) => Promise.resolve(pair.customer.sendRaw(text)));
    report(results, rawResults);
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    await pool.end();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

function report(buses: readonly { label: string; steps: readonly StepResult[] }[], raw: readonly StepResult[]): void {
  const best = (results: readonly StepResult[]) => results.filter(sustained).at(-1);
  const rawBest = best(raw);
  for (const { label, steps } of buses) {
    console.log(`highest rate with p99 < ${P99_TARGET_MS} ms and every message delivered within the step + 2 s: ${label} ${best(steps)?.rate ?? "none"} msg/s (raw ws ${rawBest?.rate ?? "none"} msg/s)`);
    console.log(`highest rate stored and delivered with nothing late, any p99: ${label} ${steps.filter(keptUp).at(-1)?.rate ?? "none"} msg/s`);
    for (const step of steps) {
      const baseline = raw.find((r) => r.rate === step.rate);
      if (baseline) console.log(`${label} p99 ratio relay/raw at ${step.rate} msg/s: ${(step.p99 / baseline.p99).toFixed(2)}x (p50 ${(step.p50 / baseline.p50).toFixed(2)}x)`);
    }
  }
}

/** One bus: two relay instances on it, the clients connected in pairs, the stepped series; then all of it stopped. */
async function runBus(bus: Bus, databaseUrl: string, ids: readonly string[]): Promise<StepResult[]> {
  const prefix = `bench.${randomUUID().slice(0, 8)}.`;
  const a = await startRelay(databaseUrl, prefix, bus);
  const b = await startRelay(databaseUrl, prefix, bus);
  const pairs: Pair[] = [];
  const pinger = setInterval(() => pairs.forEach((p) => (p.customer.ping(), p.technician.ping())), 10_000);
  try {
    const sign = createTokenSigner(SECRET);
    const hub = (relay: ChatRelayInstance) => `${relay.url.replace("http", "ws")}${CHAT_HUB_PATH}`;
    for (const [i, id] of ids.entries()) {
      const customer = await BenchClient.open(hub(a.relay), await sign({ subject: `customer-${i}`, role: "consumer" }), true);
      const technician = await BenchClient.open(hub(b.relay), await sign({ subject: `tech-${i}`, role: "technician" }), true);
      await customer.invoke("JoinServiceRequest", id, 0);
      await technician.invoke("JoinServiceRequest", id, 0);
      pairs.push({ id, customer, technician });
    }
    console.log(`chat bench: ${pairs.length * 2} clients in ${pairs.length} pairs, relay instances A (customers) and B (technicians), ${bus} bus, ${STEP_MS / 1000} s per step`);
    return await runSeries(bus, pairs, (pair, text) => pair.customer.invoke("SendMessage", pair.id, text, text));
  } finally {
    clearInterval(pinger);
    pairs.forEach((p) => (p.customer.close(), p.technician.close()));
    await a.stop();
    await b.stop();
  }
}

await main();
