import { createPool } from "../db/index.ts";
import type { Logger } from "../log/index.ts";
import { feedTool, startTool } from "./child.ts";
import { BACKUP_CONTAINER, blobNames, readManifest } from "./manifest.ts";
import type { BackupManifest } from "./manifest.ts";
import { countKeyTables, migrationVersion } from "./queries.ts";
import { prepareTarget } from "./target.ts";
import { findPgTool } from "./tools.ts";
import type { BackupStoreRef } from "./verify.ts";

/** One validation query's outcome. */
export interface RestoreCheck {
  readonly name: string;
  readonly expected: string | number;
  readonly actual: string | number;
  readonly ok: boolean;
}

/** What `restore` did and found. */
export interface RestoreReport {
  readonly id: string;
  readonly manifest: BackupManifest;
  readonly database: string;
  /** False when the target existed (empty) before. */
  readonly created: boolean;
  readonly durationMs: number;
  readonly checks: readonly RestoreCheck[];
  /** True when every check passed. */
  readonly ok: boolean;
}

/**
 * Streams backup `id` from blob storage into `pg_restore --no-owner --single-transaction`
 * on a new database at `targetUrl` (created when missing, refused when it has tables), then
 * compares the restored row counts, migration version and the streamed bytes' checksum with
 * the manifest. One transaction means a failed restore leaves the target empty for a retry.
 */
export async function restoreBackup(
  store: BackupStoreRef & { readonly logger?: Logger },
  id: string,
  targetUrl: string,
): Promise<RestoreReport> {
  const started = Date.now();
  const container = store.container ?? BACKUP_CONTAINER;
  const manifest = await readManifest(store.blob, container, id);
  const tool = await findPgTool("pg_restore", manifest.pgDumpMajor, store.tools);
  const target = await prepareTarget(targetUrl);
  store.logger?.info({ backup: id, database: target.database, created: target.created }, "restore started");
  const restore = startTool(
    tool,
    ["--no-owner", "--single-transaction", "--exit-on-error", "--no-password"],
    targetUrl,
    "BACKUP_RESTORE_FAILED",
  );
  const download = await store.blob.download(container, blobNames(id).dump);
  const hashed = await feedTool(download, restore);
  const checks = [
    { name: "sha256", expected: manifest.sha256, actual: hashed.sha256, ok: hashed.sha256 === manifest.sha256 },
    ...(await validateRestore(targetUrl, manifest)),
  ];
  const report = {
    id,
    manifest,
    database: target.database,
    created: target.created,
    durationMs: Date.now() - started,
    checks,
    ok: checks.every((c) => c.ok),
  };
  store.logger?.info({ backup: id, database: target.database, ok: report.ok, durationMs: report.durationMs }, "restore finished");
  return report;
}

/** The validation queries: migration version and per-table row counts against the manifest. */
export async function validateRestore(targetUrl: string, manifest: BackupManifest): Promise<RestoreCheck[]> {
  const pool = createPool(targetUrl, { max: 1, applicationName: "warranty-hub-restore" });
  try {
    const version = await migrationVersion(pool);
    const { rowCounts, absentTables } = await countKeyTables(pool);
    const checks: RestoreCheck[] = [
      { name: "migration version", expected: manifest.migrationVersion, actual: version, ok: version === manifest.migrationVersion },
    ];
    for (const [table, expected] of Object.entries(manifest.rowCounts)) {
      const actual = rowCounts[table];
      checks.push({ name: `rows in ${table}`, expected, actual: actual ?? "missing", ok: actual === expected });
    }
    for (const table of manifest.absentTables) {
      const present = !absentTables.includes(table);
      checks.push({ name: `${table} absent`, expected: "absent", actual: present ? "present" : "absent", ok: !present });
    }
    return checks;
  } finally {
    await pool.end();
  }
}

/**
 * What the operator does next, with `$TARGET_URL` standing for the restored database's URL
 * (kept out of the text because it holds the password).
 */
export function cutoverSteps(report: RestoreReport): string[] {
  return [
    `export TARGET_URL='<the --target URL of database ${report.database}>'`,
    "1. Point the application at the restored database: set DATABASE_URL=$TARGET_URL (Key Vault secret database-url, " +
      "then: kubectl patch secret warranty-hub-secrets --namespace warranty-hub --type merge " +
      `--patch "{\\"stringData\\":{\\"DATABASE_URL\\":\\"$TARGET_URL\\"}}")`,
    "2. Rolling restart: kubectl rollout restart deployment/warranty-hub-api deployment/warranty-hub-ingest " +
      "deployment/warranty-hub-ocr deployment/warranty-hub-chat-relay --namespace warranty-hub, " +
      "then kubectl rollout status for each",
    "3. Readiness: curl --fail --silent https://<api host>/health/ready  (expect 200)",
    '4. Smoke test: curl --fail --silent -H "Authorization: Bearer $(npx warranty-hub token --role super_admin --expires 15m)" ' +
      "https://<api host>/api/v1/transformations  (expect 200 with the scripts)",
    `5. Record the restore point ${report.manifest.createdAt} (RPO 1 h) and the end time (RTO 4 h) in the incident`,
  ];
}
