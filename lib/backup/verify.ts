import { text } from "node:stream/consumers";
import type { BlobStore } from "../blob/index.ts";
import { describeError } from "../errors/index.ts";
import { hashInto, startOffline } from "./child.ts";
import { BACKUP_CONTAINER, blobNames, readManifest } from "./manifest.ts";
import type { BackupManifest } from "./manifest.ts";
import { findPgTool } from "./tools.ts";
import type { ToolSearch } from "./tools.ts";

/** Which backup store to read. */
export interface BackupStoreRef {
  readonly blob: BlobStore;
  /** Default `backups`. */
  readonly container?: string;
  readonly tools?: ToolSearch;
}

/** Outcome of {@link verifyBackup}; `ok` only when both checks passed. */
export interface VerifyResult {
  readonly id: string;
  readonly ok: boolean;
  readonly manifest: BackupManifest;
  readonly checksum: { readonly ok: boolean; readonly expected: string; readonly actual: string; readonly size: number };
  /** `pg_restore --list` over the downloaded archive: its table-of-contents entry count, or why it failed. */
  readonly archive: { readonly ok: boolean; readonly entries: number; readonly error?: string };
  /** One line saying what is wrong, when something is. */
  readonly problem?: string;
}

/**
 * Downloads the dump once, hashing it against the manifest while `pg_restore --list` reads
 * the same bytes. The checksum catches any changed byte; the listing catches an archive
 * pg_restore cannot read, such as one written by a newer pg_dump.
 */
export async function verifyBackup(store: BackupStoreRef, id: string): Promise<VerifyResult> {
  const container = store.container ?? BACKUP_CONTAINER;
  const manifest = await readManifest(store.blob, container, id);
  const tool = await findPgTool("pg_restore", manifest.pgDumpMajor, store.tools);
  const list = startOffline(tool, ["--list"], "BACKUP_ARCHIVE_INVALID");
  const listing = text(list.stdout).catch(() => "");
  const listed: Promise<VerifyResult["archive"]> = list.done.then(
    async () => ({ ok: true, entries: countEntries(await listing) }),
    (error: unknown) => ({ ok: false, entries: 0, error: describeError(error).message }),
  );
  let hashed: { sha256: string; size: number };
  try {
    hashed = await hashInto(await store.blob.download(container, blobNames(id).dump), list.stdin);
  } catch (error) {
    list.kill();
    await listed;
    throw error;
  }
  const archive = await listed;
  const checksum = {
    ok: hashed.sha256 === manifest.sha256 && hashed.size === manifest.size,
    expected: manifest.sha256,
    actual: hashed.sha256,
    size: hashed.size,
  };
  const problems = [
    ...(checksum.ok ? [] : [`checksum mismatch (manifest ${manifest.sha256.slice(0, 12)}…/${manifest.size} B, blob ${hashed.sha256.slice(0, 12)}…/${hashed.size} B)`]),
    ...(archive.ok ? [] : [`pg_restore --list failed: ${archive.error ?? "unknown error"}`]),
  ];
  return {
    id,
    ok: problems.length === 0,
    manifest,
    checksum,
    archive,
    ...(problems.length === 0 ? {} : { problem: problems.join("; ") }),
  };
}

function countEntries(listing: string): number {
  return listing.split("\n").filter((line) => line.trim() !== "" && !line.startsWith(";")).length;
}
