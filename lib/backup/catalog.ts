import { BACKUP_CONTAINER, blobNames, listIds, readManifest, timeOfId } from "./manifest.ts";
import type { BackupManifest } from "./manifest.ts";
import type { BackupStoreRef } from "./verify.ts";

/** The recovery point objective of SEQ-RF-002: at most one hour of data may be lost. */
export const RPO_MS = 60 * 60 * 1000;

/** One backup as `backup list` shows it. */
export interface BackupSummary {
  readonly manifest: BackupManifest;
  readonly createdAt: Date;
  /** How old the backup's data is at `now`. */
  readonly ageMs: number;
  /** True when restoring it now would lose no more than the RPO. */
  readonly withinRpo: boolean;
}

/** Clock and RPO for listings; defaults are the real time and one hour. */
export interface ListOptions {
  readonly now?: Date;
  readonly rpoMs?: number;
}

/** Every complete backup, newest first, with its age and whether it meets the RPO. */
export async function listBackups(store: BackupStoreRef, options: ListOptions = {}): Promise<BackupSummary[]> {
  const container = store.container ?? BACKUP_CONTAINER;
  const now = options.now ?? new Date();
  const { complete } = await listIds(store.blob, container);
  const summaries: BackupSummary[] = [];
  for (const id of complete) {
    const manifest = await readManifest(store.blob, container, id);
    const createdAt = new Date(manifest.createdAt);
    const ageMs = now.getTime() - createdAt.getTime();
    summaries.push({ manifest, createdAt, ageMs, withinRpo: ageMs <= (options.rpoMs ?? RPO_MS) });
  }
  return summaries;
}

/** Snapshot time of the newest complete backup, from blob names alone (no manifest downloads). */
export async function latestBackupTime(store: BackupStoreRef): Promise<Date | undefined> {
  const { complete } = await listIds(store.blob, store.container ?? BACKUP_CONTAINER);
  const newest = complete[0];
  return newest === undefined ? undefined : timeOfId(newest);
}

/**
 * Keeps the newest `retain` complete backups and deletes the rest, manifest first so a
 * half-deleted backup is never listed. Dumps without a manifest that are older than the
 * oldest kept backup are failed runs and go too; newer ones may still be uploading.
 */
export async function pruneBackups(store: BackupStoreRef, retain: number): Promise<string[]> {
  const container = store.container ?? BACKUP_CONTAINER;
  const { complete, orphans } = await listIds(store.blob, container);
  const expired = complete.slice(Math.max(retain, 1));
  const oldestKept = complete[Math.min(Math.max(retain, 1), complete.length) - 1];
  for (const id of expired) {
    await store.blob.delete(container, blobNames(id).manifest);
    await store.blob.delete(container, blobNames(id).dump);
  }
  const failed = oldestKept === undefined ? [] : orphans.filter((id) => id < oldestKept);
  for (const id of failed) await store.blob.delete(container, blobNames(id).dump);
  return [...expired, ...failed];
}
