import type { BlobStore, UploadResult } from "../blob/index.ts";
import type { Pool } from "../db/index.ts";
import { AppError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import { startTool } from "./child.ts";
import { BACKUP_CONTAINER, blobNames, newBackupId, writeManifest } from "./manifest.ts";
import type { BackupManifest } from "./manifest.ts";
import { countKeyTables, exportSnapshot, migrationVersion, serverInfo } from "./queries.ts";
import { findPgTool } from "./tools.ts";
import type { PgTool, ToolSearch } from "./tools.ts";

/** Where a backup comes from and goes to. */
export interface BackupSource {
  /** A pool on the database; one connection holds the snapshot while pg_dump runs. */
  readonly pool: Pool;
  /** The same database's URL, for pg_dump. */
  readonly databaseUrl: string;
  readonly blob: BlobStore;
  /** Default `backups`. */
  readonly container?: string;
  readonly logger?: Logger;
  readonly tools?: ToolSearch;
  /** Clock, for tests of the schedule and the RPO. */
  readonly now?: () => Date;
}

/**
 * Dumps the database (`pg_dump --format=custom`) straight from pg_dump's stdout into blob
 * storage, hashing on the way, then stores the manifest beside it. The row counts come from
 * the snapshot pg_dump reads, so they match the dump exactly even while the database is
 * being written to. A dump blob without a manifest is incomplete and never listed.
 */
export async function createBackup(source: BackupSource): Promise<BackupManifest> {
  const container = source.container ?? BACKUP_CONTAINER;
  const client = await source.pool.connect();
  let broken: Error | undefined;
  try {
    const server = await serverInfo(client);
    const tool = await findPgTool("pg_dump", server.major, source.tools);
    const createdAt = (source.now ?? (() => new Date()))();
    const id = newBackupId(createdAt);
    const snapshot = await exportSnapshot(client);
    const [stored, counts, version] = await Promise.all([
      dumpToBlob(source, tool, snapshot, container, id),
      countKeyTables(client),
      migrationVersion(client),
    ]);
    await client.query("commit");
    const manifest: BackupManifest = {
      id,
      createdAt: createdAt.toISOString(),
      finishedAt: new Date().toISOString(),
      size: stored.size,
      sha256: stored.sha256,
      format: "custom",
      pgDumpVersion: tool.version,
      pgDumpMajor: tool.major,
      serverVersion: server.version,
      database: server.database,
      migrationVersion: version,
      ...counts,
    };
    await writeManifest(source.blob, container, manifest);
    source.logger?.info({ backup: id, size: stored.size, database: server.database }, "backup created");
    return manifest;
  } catch (error) {
    await client.query("rollback").catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

async function dumpToBlob(
  source: BackupSource,
  tool: PgTool,
  snapshot: string,
  container: string,
  id: string,
): Promise<UploadResult> {
  const name = blobNames(id).dump;
  const dump = startTool(tool, ["--format=custom", `--snapshot=${snapshot}`, "--no-password"], source.databaseUrl, "BACKUP_DUMP_FAILED");
  const upload = source.blob.upload(container, name, dump.stdout, { contentType: "application/vnd.postgresql.custom-dump" });
  // pg_dump would otherwise wait forever on a pipe nobody reads.
  upload.catch(() => dump.kill());
  const [stored, exited] = await Promise.allSettled([upload, dump.done]);
  if (stored.status === "rejected") {
    throw new AppError("BACKUP_UPLOAD_FAILED", `could not store backup ${id}`, { retryable: true, cause: stored.reason });
  }
  if (exited.status === "rejected") {
    // pg_dump's stdout ended normally, so the truncated dump was committed: remove it.
    await source.blob.delete(container, name).catch(() => undefined);
    throw exited.reason;
  }
  return stored.value;
}
