// Bulk import throughput: generates an N-row product-model CSV, then in one run times
//   1. the baseline: `psql \copy` of the file into a text staging table + a hand-written merge;
//   2. csv-parse + ajv (the same row schema) alone in one process: the validation ceiling;
//   3. our dry run and our commit, each end to end (streamed upload → chunks → ingest workers →
//      finaliser → `succeeded`) against `warranty-hub start api` and `start ingest` processes;
// and prints the ratios (targets: commit ≤ 1.5× baseline, dry-run rate ≥ 0.7× csv-parse+ajv)
// and the peak RSS (VmHWM) of every process (target < 300 MB). The services run with
// BENCH_SERVICE_NODE_OPTIONS (default --max-semi-space-size=4, see below).
// Run: npm run bench:import -- --rows 1000000 [--transport postgres|amqp] (not part of npm test).
// Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; a
// throw-away database is created) and psql; RabbitMQ for --transport amqp (BENCH_AMQP_URL).
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse } from "csv-parse";
import { createTokenSigner } from "../lib/auth/index.ts";
import { createPool, migrateUp } from "../lib/db/index.ts";
import type { Pool } from "../lib/db/index.ts";
import { freePort, startAzurite } from "../lib/embedded/index.ts";
import { IMPORT_COLUMNS, loadRowSchema } from "../lib/imports/index.ts";
import type { ImportJobView } from "../lib/imports/index.ts";
import { createLogger } from "../lib/log/index.ts";

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const CLI = new URL("../bin/warranty-hub.ts", import.meta.url).pathname;
const BRANDS = 20;
/** Competing ingest processes (BENCH_INGEST_PROCESSES, default 1), as a deployment scales workers. */
const INGEST_PROCESSES = Number(process.env.BENCH_INGEST_PROCESSES ?? 1);
/**
 * V8 flags of the api and ingest processes (BENCH_SERVICE_NODE_OPTIONS). A small young generation:
 * chunk work makes much short-lived garbage, and the default semi-spaces grew each process by
 * 100+ MB of RSS without making it faster. Run the services with the same flag in production.
 */
const SERVICE_NODE_OPTIONS = process.env.BENCH_SERVICE_NODE_OPTIONS ?? "--max-semi-space-size=4";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    transport: { type: "string", default: "postgres" },
  },
});
const ROWS = Number(values.rows);

/** Peak resident set (VmHWM) of a live process, in MB. */
async function peakRss(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? undefined : Number(kb) / 1024;
}

async function generate(file: string): Promise<number> {
  const out = createWriteStream(file);
  out.write(`${IMPORT_COLUMNS.join(",")}\n`);
  for (let i = 0; i < ROWS; i++) {
    const line = `Brand ${i % BRANDS},M-${i},"Model ${i}, series ${i % 97}",category ${i % 50},${1 + (i % 120)},2020-01-${String(1 + (i % 28)).padStart(2, "0")},SN-#{6}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return (await stat(file)).size;
}

async function baseline(pool: Pool, url: string, file: string): Promise<{ ms: number; rssMb: number | undefined }> {
  await pool.query(
    "create table bench_staging (brand text, model_number text, model_name text, category text, warranty_months text, release_date text, serial_format text)",
  );
  const started = performance.now();
  const psql = spawn("psql", [url, "-v", "ON_ERROR_STOP=1", "-c", `\\copy bench_staging from '${file}' with (format csv, header true)`], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  let rss: number | undefined;
  const timer = setInterval(() => void peakRss(psql.pid).then((v) => (rss = v ?? rss)), 50);
  const [code] = (await once(psql, "exit")) as [number];
  clearInterval(timer);
  if (code !== 0) throw new Error(`psql exited with ${code}`);
  await pool.query(
    `insert into product_models (brand_id, model_number, model_name, category, warranty_months, release_date, serial_format)
     select b.id, s.model_number, s.model_name, s.category, s.warranty_months::int, nullif(s.release_date, '')::date, nullif(s.serial_format, '')
     from bench_staging s join brands b on lower(b.name) = lower(s.brand)
     on conflict (brand_id, model_number) do update set model_name = excluded.model_name, category = excluded.category,
       warranty_months = excluded.warranty_months, release_date = excluded.release_date, serial_format = excluded.serial_format`,
  );
  const ms = performance.now() - started;
  await pool.query("drop table bench_staging");
  await pool.query("delete from product_models");
  await pool.query("vacuum product_models");
  return { ms, rssMb: rss };
}

/** csv-parse streaming + the row schema compiled once by ajv, in this process. */
async function parseAndValidate(file: string): Promise<number> {
  const schema = await loadRowSchema();
  delete schema.$schema;
  const validate = addFormats(new Ajv2020({ allErrors: true, strict: true, coerceTypes: true })).compile(schema);
  const started = performance.now();
  let valid = 0;
  const parser = createReadStream(file).pipe(parse({ columns: true }));
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    for (const key of Object.keys(record)) if (record[key] === "") delete record[key];
    if (validate(record)) valid++;
  }
  if (valid !== ROWS) throw new Error(`only ${valid} of ${ROWS} rows are valid`);
  return performance.now() - started;
}

function startService(name: string, env: Record<string, string>): ChildProcess {
  const options = [process.env.NODE_OPTIONS, SERVICE_NODE_OPTIONS].filter((o) => o !== undefined && o !== "").join(" ");
  const child = spawn(process.execPath, [CLI, "start", name], {
    env: { ...process.env, NODE_OPTIONS: options, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  child.on("exit", (code, signal) => {
    if (code !== 0 && signal !== "SIGTERM") process.stderr.write(`${name} exited (${code ?? signal})\n`);
  });
  return child;
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(`${url}/health/ready`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never became ready`);
}

interface Run {
  readonly ms: number;
  readonly uploadMs: number;
  readonly job: ImportJobView;
}

/** Seconds from the job's creation to its last chunk, and from there to its end. */
async function timeline(pool: Pool, id: string): Promise<string> {
  const { rows } = await pool.query<{ chunks: number; checked: number; finalised: number }>(
    `select count(*)::int as chunks, extract(epoch from max(c.done_at) - j.created_at)::float as checked,
            extract(epoch from j.finished_at - max(c.done_at))::float as finalised
     from import_jobs j join import_chunks c on c.job_id = j.id where j.id = $1 group by j.id`,
    [id],
  );
  const r = rows[0];
  return r ? `${r.chunks} chunks; last chunk done at ${r.checked.toFixed(2)} s, finaliser ${r.finalised.toFixed(2)} s` : "";
}

async function runImport(api: string, token: string, file: string, dryRun: boolean): Promise<Run> {
  const started = performance.now();
  const response = await fetch(`${api}/api/v1/imports?dryRun=${dryRun}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "text/csv" },
    body: Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>,
    duplex: "half",
  } as RequestInit);
  if (response.status !== 202) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  const uploadMs = performance.now() - started;
  for (;;) {
    const job = (await (await fetch(`${api}/api/v1/imports/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as ImportJobView;
    if (job.status === "succeeded" || job.status === "failed") return { ms: performance.now() - started, uploadMs, job };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Services {
  readonly children: ChildProcess[];
  readonly api: ChildProcess;
  readonly ingests: ChildProcess[];
  readonly apiUrl: string;
  readonly token: string;
}

/** `warranty-hub start api` and INGEST_PROCESSES × `start ingest`, on the bench database and Azurite. */
async function startServices(dbUrl: string, storage: string, dir: string): Promise<Services> {
  const secret = randomBytes(32).toString("hex");
  const port = await freePort();
  const env: Record<string, string> = {
    DATABASE_URL: dbUrl,
    AZURE_STORAGE_CONNECTION_STRING: storage,
    JWT_SECRET: secret,
    LOG_LEVEL: "warn",
    DATA_DIR: join(dir, "data"),
    QUEUE_PREFIX: `bench-${randomUUID().slice(0, 8)}.`,
    ...(values.transport === "amqp" ? { AMQP_URL: process.env.BENCH_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672" } : {}),
  };
  const api = startService("api", { ...env, PORT: String(port), HOST: "127.0.0.1" });
  const ingests: ChildProcess[] = [];
  for (let i = 0; i < INGEST_PROCESSES; i++) {
    // Checking a chunk is CPU-bound: more chunks in flight than cores add no speed, only buffers.
    const concurrency = process.env.BENCH_WORKER_CONCURRENCY ?? String(availableParallelism());
    ingests.push(startService("ingest", { ...env, METRICS_PORT: String(await freePort()), WORKER_CONCURRENCY: concurrency }));
  }
  const apiUrl = `http://127.0.0.1:${port}`;
  const children = [api, ...ingests];
  try {
    await waitReady(apiUrl);
  } catch (error) {
    await stopAll(children);
    throw error;
  }
  const token = await createTokenSigner(secret)({ subject: "bench", role: "super_admin", expiresIn: "2h" });
  return { children, api, ingests, apiUrl, token };
}

async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  }
}

function pgloaderLine(): string {
  const probe = spawnSync("pgloader", ["--version"], { stdio: "ignore" });
  return probe.error ? "pgloader: not installed, not timed" : "pgloader: installed but not timed by this bench";
}

interface Results {
  readonly base: { ms: number; rssMb: number | undefined };
  readonly parseMs: number;
  readonly dry: Run;
  readonly commit: Run;
}

async function report(pool: Pool, services: Services, r: Results): Promise<string[]> {
  const ingestRss: Array<number | undefined> = [];
  for (const child of services.ingests) ingestRss.push(await peakRss(child.pid));
  const apiRss = await peakRss(services.api.pid);
  const benchRss = process.resourceUsage().maxRSS / 1024;
  const rate = (ms: number) => Math.round((ROWS / ms) * 1000);
  const mb = (v: number | undefined) => (v === undefined ? "n/a" : `${v.toFixed(0)} MB`);
  const { base, parseMs, dry, commit } = r;
  return [
    `baseline psql \\copy + merge   ${(base.ms / 1000).toFixed(2)} s   ${rate(base.ms)} rows/s`,
    `csv-parse + ajv alone         ${(parseMs / 1000).toFixed(2)} s   ${rate(parseMs)} rows/s`,
    `our dry run (end to end)      ${(dry.ms / 1000).toFixed(2)} s   ${rate(dry.ms)} rows/s   would insert ${dry.job.counts.inserted}`,
    `our commit (end to end)       ${(commit.ms / 1000).toFixed(2)} s   ${rate(commit.ms)} rows/s   inserted ${commit.job.counts.inserted}`,
    `  dry run: upload answered at ${(dry.uploadMs / 1000).toFixed(2)} s; ${await timeline(pool, dry.job.id)}`,
    `  commit:  upload answered at ${(commit.uploadMs / 1000).toFixed(2)} s; ${await timeline(pool, commit.job.id)}`,
    `commit / baseline time        ${(commit.ms / base.ms).toFixed(2)}×   (target ≤ 1.5×)`,
    `dry-run rate / parse+ajv rate ${(parseMs / dry.ms).toFixed(2)}×   (target ≥ 0.7×)`,
    `peak RSS: api ${mb(apiRss)}, ingest ${ingestRss.map(mb).join(" / ")}, psql ${mb(base.rssMb)}, ` +
      `bench (generator, parse+ajv) ${mb(benchRss)}   (target < 300 MB)`,
    pgloaderLine(),
  ];
}

async function run(pool: Pool, dbUrl: string, storage: string, dir: string): Promise<void> {
  await migrateUp(pool);
  await pool.query("insert into brands (name) select 'Brand ' || g from generate_series(0, $1 - 1) g", [BRANDS]);
  const file = join(dir, "models.csv");
  const bytes = await generate(file);
  const size = (bytes / 1048576).toFixed(1);
  const concurrency = process.env.BENCH_WORKER_CONCURRENCY ?? availableParallelism();
  process.stdout.write(
    `rows: ${ROWS}, file: ${size} MB, transport: ${values.transport}, ingest processes: ${INGEST_PROCESSES}, ` +
      `worker concurrency: ${concurrency}, service NODE_OPTIONS: ${SERVICE_NODE_OPTIONS}\n`,
  );
  const base = await baseline(pool, dbUrl, file);
  const parseMs = await parseAndValidate(file);
  const services = await startServices(dbUrl, storage, dir);
  try {
    const dry = await runImport(services.apiUrl, services.token, file, true);
    const commit = await runImport(services.apiUrl, services.token, file, false);
    for (const { job } of [dry, commit]) {
      if (job.status !== "succeeded" || job.counts.valid !== ROWS) throw new Error(`import ended ${JSON.stringify(job)}`);
    }
    process.stdout.write(`${(await report(pool, services, { base, parseMs, dry, commit })).join("\n")}\n`);
  } finally {
    await stopAll(services.children);
  }
}

async function main(): Promise<void> {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const name = `wh_bench_import_${randomUUID().slice(0, 8)}`;
  const dir = await mkdtemp(join(tmpdir(), "wh-bench-import-"));
  const admin = createPool(adminUrl, { max: 1 });
  await admin.query(`create database ${name}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${name}`;
  const pool = createPool(dbUrl.toString(), { max: 2 });
  const azurite = await startAzurite({ port: 0, location: join(dir, "azurite"), logger: createLogger({ level: "warn", name: "azurite" }) });
  try {
    await run(pool, dbUrl.toString(), azurite.connectionString, dir);
  } finally {
    await azurite.stop();
    await pool.end();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
