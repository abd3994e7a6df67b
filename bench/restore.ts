// Restore time (SEQ-RF-002, RTO 4 h) for a database with 1,000,000 product models: our
// `restore` path (verify the backup: download + sha256 + pg_restore --list; then stream the
// blob into pg_restore --single-transaction and run the validation queries) against plain
// `pg_restore --no-owner --dbname` of the same dump from a local file into a fresh database.
// Run: node bench/restore.ts (not part of npm test). BENCH_MODELS changes the row count;
// BENCH_DATABASE_URL the server (default postgres://postgres@127.0.0.1:5432/postgres);
// AZURE_STORAGE_CONNECTION_STRING the storage (default: an in-memory Azurite started here).
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { from as copyFrom } from "pg-copy-streams";
import {
  BACKUP_CONTAINER,
  createBackup,
  findPgTool,
  restoreBackup,
  splitPassword,
  verifyBackup,
  withDatabase,
} from "../lib/backup/index.ts";
import { createAzureBlobStore } from "../lib/blob/index.ts";
import { createPool, migrateUp } from "../lib/db/index.ts";
import type { Pool } from "../lib/db/index.ts";
import { startAzurite } from "../lib/embedded/index.ts";
import { createLogger } from "../lib/log/index.ts";

const run = promisify(execFile);
const MODELS = Number(process.env.BENCH_MODELS ?? 1_000_000);
const BRANDS = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function seed(pool: Pool): Promise<void> {
  await pool.query("insert into brands (name) select 'Brand ' || i from generate_series(1, $1::int) i", [BRANDS]);
  const client = await pool.connect();
  try {
    const copy = client.query(
      copyFrom("copy product_models (brand_id, model_number, model_name, category, warranty_months, release_date) from stdin"),
    );
    function* lines(): Generator<string> {
      let batch = "";
      for (let i = 0; i < MODELS; i += 1) {
        const brand = (i % BRANDS) + 1;
        const day = String((i % 28) + 1).padStart(2, "0");
        batch += `${brand}\tM-${i}\tModel number ${i}\tcategory-${i % 37}\t${12 + (i % 48)}\t2024-02-${day}\n`;
        if (batch.length >= 262_144) {
          yield batch;
          batch = "";
        }
      }
      if (batch !== "") yield batch;
    }
    await pipeline(Readable.from(lines()), copy);
  } finally {
    client.release();
  }
  await pool.query("analyze");
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function median(values: readonly number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function ourRound(id: string, samples: { verify: number[]; ours: number[] }): Promise<void> {
  const verify = await timed(() => verifyBackup({ blob }, id));
  if (!verify.value.ok) throw new Error(`verify failed: ${verify.value.problem ?? ""}`);
  const restored = await timed(() => restoreBackup({ blob }, id, withDatabase(ADMIN_URL, ours)));
  if (!restored.value.ok) throw new Error("our restore did not validate");
  samples.verify.push(verify.ms);
  samples.ours.push(restored.ms);
  await admin.query(`drop database ${ours} with (force)`);
}

async function plainRound(pgRestore: string, file: string, samples: { plain: number[] }): Promise<void> {
  await admin.query(`create database ${plain}`);
  const { dbname } = splitPassword(withDatabase(ADMIN_URL, plain));
  const restored = await timed(() => run(pgRestore, ["--no-owner", `--dbname=${dbname}`, file]));
  samples.plain.push(restored.ms);
  await admin.query(`drop database ${plain} with (force)`);
}
const names = { source: `bench_restore_${randomUUID().slice(0, 8)}` };
const ours = `${names.source}_ours`;
const plain = `${names.source}_plain`;
const admin = createPool(ADMIN_URL, { max: 1 });
const logger = createLogger({ level: "warn", name: "bench-restore" });
const azurite = process.env.AZURE_STORAGE_CONNECTION_STRING
  ? undefined
  : await startAzurite({ port: 0, inMemory: true, logger });
const blob = createAzureBlobStore({
  connectionString: process.env.AZURE_STORAGE_CONNECTION_STRING ?? azurite?.connectionString ?? "",
  containerPrefix: `bench${randomUUID().slice(0, 6)}-`,
});
const directory = await mkdtemp(join(tmpdir(), "bench-restore-"));
try {
  await admin.query(`create database ${names.source}`);
  const sourceUrl = withDatabase(ADMIN_URL, names.source);
  const source = createPool(sourceUrl, { max: 3 });
  await migrateUp(source);
  const seeded = await timed(() => seed(source));
  const backup = await timed(() => createBackup({ blob, pool: source, databaseUrl: sourceUrl }));
  await source.end();
  const manifest = backup.value;
  console.log(`seeded ${MODELS} product models (COPY) in ${seconds(seeded.ms)}`);
  console.log(
    `backup ${manifest.id}: ${manifest.rowCounts.product_models} product_models rows, ` +
      `${(manifest.size / 1048576).toFixed(1)} MiB (pg_dump custom format, compressed), in ${seconds(backup.ms)}`,
  );

  const file = join(directory, "dump");
  await pipeline(await blob.download(BACKUP_CONTAINER, `${manifest.id}.dump`), createWriteStream(file));
  const restore = await findPgTool("pg_restore", manifest.pgDumpMajor);

  const samples = { verify: [] as number[], ours: [] as number[], plain: [] as number[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    // Alternating the order keeps caches and the neighbours' load from favouring one side.
    const steps = [() => ourRound(manifest.id, samples), () => plainRound(restore.path, file, samples)];
    for (const step of round % 2 === 0 ? steps : steps.toReversed()) await step();
  }
  const verifyMs = median(samples.verify);
  const oursMs = median(samples.ours);
  const plainMs = median(samples.plain);
  const list = (values: number[]) => values.map(seconds).join(", ");
  console.log(`${restore.version}; PostgreSQL ${manifest.serverVersion}; ${ROUNDS} rounds, medians`);
  console.log(`our restore, verify step (download + sha256 + pg_restore --list):  ${seconds(verifyMs)}   [${list(samples.verify)}]`);
  console.log(`our restore, restore step (stream blob -> pg_restore + validation): ${seconds(oursMs)}   [${list(samples.ours)}]`);
  console.log(`our restore, total (what \`warranty-hub restore\` does):           ${seconds(verifyMs + oursMs)}`);
  console.log(`plain pg_restore --no-owner of the same dump from a local file:     ${seconds(plainMs)}   [${list(samples.plain)}]`);
  console.log(`ratio restore step / plain: ${(oursMs / plainMs).toFixed(2)}   total / plain: ${((verifyMs + oursMs) / plainMs).toFixed(2)}`);
} finally {
  for (const name of [names.source, ours, plain]) await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
  await rm(directory, { recursive: true, force: true });
  await azurite?.stop();
}
