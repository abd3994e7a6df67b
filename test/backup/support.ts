import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";
import { BACKUP_CONTAINER, KEY_TABLES } from "../../lib/backup/index.ts";
import type { BackupStoreRef } from "../../lib/backup/index.ts";
import { createAzureBlobStore } from "../../lib/blob/index.ts";
import type { BlobStore } from "../../lib/blob/index.ts";
import type { Pool } from "../../lib/db/index.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A blob store whose containers no other test uses, and the prefix that makes them so. */
export function backupStore(): BackupStoreRef & { blob: BlobStore; prefix: string } {
  const prefix = `b${randomUUID().slice(0, 8)}-`;
  const blob = createAzureBlobStore({ connectionString: inject("storageConnectionString"), containerPrefix: prefix });
  return { blob, prefix };
}

/** Catalog rows: brands, their models, a product per fourth model, a few service requests, an audit entry. */
export async function seedCatalog(pool: Pool, brands: number, modelsPerBrand: number): Promise<void> {
  await pool.query("insert into brands (name) select 'Brand ' || i from generate_series(1, $1::int) i", [brands]);
  await pool.query(
    `insert into product_models (brand_id, model_number, model_name, category, warranty_months, release_date)
     select b.id, 'M-' || b.id || '-' || i, 'Model ' || i, 'appliance', 24, date '2024-01-01' + i
     from brands b cross join generate_series(1, $1::int) i`,
    [modelsPerBrand],
  );
  await pool.query(
    `insert into products (id, owner_id, brand_id, model_id, serial_number, purchase_date, warranty_expires_on,
                           invoice_blob, invoice_content_type)
     select gen_random_uuid(), 'owner-' || m.id, m.brand_id, m.id, 'SN' || m.id, date '2025-01-01', date '2027-01-01',
            'invoices/' || m.id, 'application/pdf'
     from product_models m where m.id % 4 = 0`,
  );
  await pool.query(
    `insert into service_requests (id, product_id, customer_id, description)
     select gen_random_uuid(), p.id, p.owner_id, 'does not start' from products p order by p.id limit 3`,
  );
  await pool.query("insert into audit_log (actor, action, target, outcome) values ('test', 'seed', 'catalog', 'ok')");
}

/** Exact row counts of the key tables that exist, as the restore checks them. */
export async function keyTableCounts(pool: Pool): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of KEY_TABLES) {
    const { rows } = await pool.query<{ present: boolean }>("select to_regclass($1) is not null as present", [`public.${table}`]);
    if (!rows[0]?.present) continue;
    const counted = await pool.query<{ n: string }>(`select count(*) as n from public.${table}`);
    counts[table] = Number(counted.rows[0]?.n);
  }
  return counts;
}

/** Flips one bit of the byte at `offset` of a blob (rewriting the whole blob, which is small in tests). */
export async function flipByte(store: { blob: BlobStore }, name: string, offset: number): Promise<void> {
  const bytes = await buffer(await store.blob.download(BACKUP_CONTAINER, name));
  const at = Math.min(offset, bytes.length - 1);
  bytes[at] = (bytes[at] ?? 0) ^ 0x01;
  await store.blob.upload(BACKUP_CONTAINER, name, Readable.from([bytes]));
}

/** Runs `warranty-hub <args>` as a child process with exactly `env` (plus PATH and HOME). */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["bin/warranty-hub.ts", ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The environment the CLI needs to reach the test database server and the test's blob containers. */
export function cliEnv(store: { prefix: string }, databaseUrl?: string): Record<string, string> {
  return {
    AZURE_STORAGE_CONNECTION_STRING: inject("storageConnectionString"),
    BLOB_CONTAINER_PREFIX: store.prefix,
    DATA_DIR: `/tmp/wh-backup-test-${store.prefix}`,
    ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
  };
}
