import { parseArgs } from "node:util";
import { createAzureBlobStore } from "../../lib/blob/index.ts";
import {
  chooseBackup,
  createBackup,
  formatDuration,
  listBackups,
  pruneBackups,
} from "../../lib/backup/index.ts";
import type { BackupChoice, BackupStoreRef } from "../../lib/backup/index.ts";
import { ConfigError, envReader, readPlatformConfig } from "../../lib/config/index.ts";
import type { PlatformConfig } from "../../lib/config/index.ts";
import { createPool } from "../../lib/db/index.ts";
import { startAzurite, startEmbeddedPostgres } from "../../lib/embedded/index.ts";
import { describeError } from "../../lib/errors/index.ts";
import { createLogger } from "../../lib/log/index.ts";
import type { Logger } from "../../lib/log/index.ts";
import { withRunningInstance } from "../../lib/runtime/index.ts";
import type { Command } from "../cli.ts";

const USAGE = "usage: warranty-hub backup create | list | verify ID\n";

/** Configuration of the backup commands, and what they opened (closed by `close`). */
export interface BackupCommandContext {
  readonly config: PlatformConfig;
  readonly logger: Logger;
  readonly store: BackupStoreRef;
  readonly retain: number;
  close(): Promise<void>;
}

/**
 * Reads the variables the backup commands share and opens the blob store: the configured
 * account, else that of the instance running in DATA_DIR, else the embedded Azurite under
 * DATA_DIR (where a local installation keeps its backups). Undefined after printing the
 * problem when the configuration is wrong or the storage cannot be opened.
 */
export async function openBackupContext(
  env: Readonly<Record<string, string | undefined>>,
): Promise<BackupCommandContext | undefined> {
  const reader = envReader(env);
  const declared = readPlatformConfig(reader);
  const retain = reader.integer("BACKUP_RETAIN", 48, { min: 1, max: 10_000 });
  try {
    reader.done();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return undefined;
  }
  const config = await withRunningInstance(declared);
  // Logs go to stderr: stdout carries the report operators read and scripts parse.
  const logger = createLogger({ level: config.logLevel, name: "backup" }, process.stderr);
  const azurite = config.storageConnectionString
    ? undefined
    : await startAzurite({ location: `${config.dataDir}/azurite`, port: config.azuritePort, logger }).catch(
        (error: unknown) => {
          process.stderr.write(
            `cannot open the local blob storage (${describeError(error).message.split("\n")[0]}); ` +
              "set AZURE_STORAGE_CONNECTION_STRING to reach another\n",
          );
          return null;
        },
      );
  if (azurite === null) return undefined;
  const connectionString = config.storageConnectionString ?? azurite?.connectionString ?? "";
  const blob = createAzureBlobStore({ connectionString, containerPrefix: config.blobContainerPrefix });
  return { config, logger, store: { blob }, retain, close: async () => azurite?.stop() };
}

/** `backup create | list | verify ID`. */
export const backupCommand: Command = async (args, env) => {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const [action, id] = positionals;
  if (!(action === "create" || action === "list" || (action === "verify" && id !== undefined))) {
    process.stderr.write(USAGE);
    return 2;
  }
  const context = await openBackupContext(env);
  if (context === undefined) return 2;
  try {
    if (action === "create") return await create(context);
    if (action === "list") return await list(context);
    return await verify(context, id ?? "");
  } catch (error) {
    const { code, message } = describeError(error);
    process.stderr.write(`backup ${action} failed: ${code}: ${message}\n`);
    return 1;
  } finally {
    await context.close();
  }
};

async function create(context: BackupCommandContext): Promise<number> {
  const { config, logger } = context;
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort, logger });
  const databaseUrl = config.databaseUrl ?? embedded?.url ?? "";
  const pool = createPool(databaseUrl, { max: 2, applicationName: "warranty-hub-backup" });
  try {
    const manifest = await createBackup({ ...context.store, pool, databaseUrl, logger });
    const pruned = await pruneBackups(context.store, context.retain);
    const counts = Object.entries(manifest.rowCounts).map(([table, n]) => `${table}=${n}`);
    process.stdout.write(
      [
        `backup ${manifest.id} created`,
        `  database ${manifest.database} (PostgreSQL ${manifest.serverVersion}), migration ${manifest.migrationVersion}`,
        `  ${manifest.size} bytes, sha256 ${manifest.sha256}, ${manifest.pgDumpVersion}`,
        `  rows: ${counts.join(" ")}`,
        ...(manifest.absentTables.length > 0 ? [`  absent: ${manifest.absentTables.join(" ")}`] : []),
        ...(pruned.length > 0 ? [`  retention (keep ${context.retain}) deleted: ${pruned.join(" ")}`] : []),
      ].join("\n") + "\n",
    );
    return 0;
  } finally {
    await pool.end();
    await embedded?.stop();
  }
}

async function list(context: BackupCommandContext): Promise<number> {
  const backups = await listBackups(context.store);
  if (backups.length === 0) {
    process.stdout.write("no backups; the RPO of 1 h is not met\n");
    return 1;
  }
  const rows = backups.map((b) =>
    [
      b.manifest.id,
      b.manifest.createdAt,
      formatDuration(b.ageMs).padStart(12),
      `${b.manifest.size}`.padStart(12),
      `m${b.manifest.migrationVersion}`,
      b.withinRpo ? "within RPO" : "older than RPO",
    ].join("  "),
  );
  const newest = backups[0];
  const status =
    newest && newest.withinRpo
      ? `newest backup is ${formatDuration(newest.ageMs)} old: within the RPO of 1 h`
      : `newest backup is ${formatDuration(newest?.ageMs ?? 0)} old: RPO of 1 h MISSED`;
  process.stdout.write(`${rows.join("\n")}\n${status}\n`);
  return 0;
}

async function verify(context: BackupCommandContext, id: string): Promise<number> {
  const choice = await chooseBackup(context.store, id);
  const first = choice.rejected[0] ?? choice.chosen;
  if (first?.ok) {
    process.stdout.write(
      `backup ${first.id} is valid: sha256 ${first.checksum.actual} (${first.checksum.size} bytes) matches the manifest, ` +
        `pg_restore --list read ${first.archive.entries} entries\n`,
    );
    return 0;
  }
  process.stdout.write(describeChoice(choice));
  return 1;
}

/** Says which backups are corrupt and which older one is offered instead, with the RPO miss. */
export function describeChoice(choice: BackupChoice): string {
  const lines = choice.rejected.map((r) => `backup ${r.id} is CORRUPT: ${r.problem ?? "unknown problem"}`);
  const chosen = choice.chosen;
  if (chosen === undefined) {
    lines.push(`no valid backup at or before ${choice.requested}`);
  } else if (choice.fallback) {
    lines.push(
      `the newest valid backup before it is ${chosen.id} (taken ${chosen.manifest.createdAt}, ` +
        `${formatDuration(choice.behindRequestedMs)} behind ${choice.requested}, ${formatDuration(choice.ageMs ?? 0)} old)`,
    );
  }
  if (chosen !== undefined) {
    lines.push(
      choice.rpoMissMs > 0
        ? `RPO of 1 h MISSED by ${formatDuration(choice.rpoMissMs)}: restoring ${chosen.id} loses ${formatDuration(choice.ageMs ?? 0)} of data`
        : `${chosen.id} is within the RPO of 1 h (${formatDuration(choice.ageMs ?? 0)} old)`,
    );
  }
  return `${lines.join("\n")}\n`;
}
