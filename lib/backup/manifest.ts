import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import type { BlobStore } from "../blob/index.ts";
import { AppError } from "../errors/index.ts";

/**
 * Tables whose row counts a manifest records and a restore checks. The transformation tables
 * and chat_messages arrive with later migrations: a manifest lists them as absent until then.
 */
export const KEY_TABLES = [
  "brands",
  "product_models",
  "products",
  "service_requests",
  "chat_messages",
  "transformation_scripts",
  "transformation_script_versions",
  "audit_log",
] as const;

/** What is known about one backup; stored as `<id>.manifest.json` beside `<id>.dump`. */
export interface BackupManifest {
  readonly id: string;
  /** When the dump's snapshot was taken: the point in time a restore returns to. */
  readonly createdAt: string;
  readonly finishedAt: string;
  /** Bytes of the dump blob. */
  readonly size: number;
  /** Hex SHA-256 of the dump blob, computed while it streamed in. */
  readonly sha256: string;
  readonly format: "custom";
  readonly pgDumpVersion: string;
  readonly pgDumpMajor: number;
  readonly serverVersion: string;
  readonly database: string;
  /** Highest applied migration number at the snapshot; 0 when none. */
  readonly migrationVersion: number;
  /** Exact counts in the dump's snapshot, per key table that existed. */
  readonly rowCounts: Readonly<Record<string, number>>;
  /** Key tables the database did not have. */
  readonly absentTables: readonly string[];
}

/** Default container of dumps and manifests. */
export const BACKUP_CONTAINER = "backups";

const ID_PATTERN = /^(\d{8}T\d{6}\d{3}Z)-[0-9a-f]{6}$/;
const MANIFEST_SUFFIX = ".manifest.json";
const DUMP_SUFFIX = ".dump";

/** A new id: the snapshot time (sortable, millisecond precision) and a random tail. */
export function newBackupId(at: Date): string {
  const stamp = at.toISOString().replaceAll(/[-:.]/g, "");
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

/** The time encoded in a backup id, so listings need not download manifests; undefined if not an id. */
export function timeOfId(id: string): Date | undefined {
  const stamp = ID_PATTERN.exec(id)?.[1];
  if (stamp === undefined) return undefined;
  const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}.${stamp.slice(15, 18)}Z`;
  return new Date(iso);
}

/** Blob names of a backup. */
export function blobNames(id: string): { dump: string; manifest: string } {
  return { dump: `${id}${DUMP_SUFFIX}`, manifest: `${id}${MANIFEST_SUFFIX}` };
}

/** Ids of every backup with a manifest (complete), and of dumps left without one, newest first. */
export async function listIds(blob: BlobStore, container: string): Promise<{ complete: string[]; orphans: string[] }> {
  const manifests = new Set<string>();
  const dumps = new Set<string>();
  for await (const entry of blob.list(container)) {
    if (entry.name.endsWith(MANIFEST_SUFFIX)) manifests.add(entry.name.slice(0, -MANIFEST_SUFFIX.length));
    else if (entry.name.endsWith(DUMP_SUFFIX)) dumps.add(entry.name.slice(0, -DUMP_SUFFIX.length));
  }
  const valid = (id: string) => timeOfId(id) !== undefined;
  const newestFirst = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
  return {
    complete: [...manifests].filter((id) => valid(id) && dumps.has(id)).sort(newestFirst),
    orphans: [...dumps].filter((id) => valid(id) && !manifests.has(id)).sort(newestFirst),
  };
}

/** Stores the manifest; written after the dump, so its presence marks a complete backup. */
export async function writeManifest(blob: BlobStore, container: string, manifest: BackupManifest): Promise<void> {
  const body = Readable.from([Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)]);
  await blob.upload(container, blobNames(manifest.id).manifest, body, { contentType: "application/json" });
}

/** Reads and checks a manifest; `BACKUP_NOT_FOUND` (404) when there is none. */
export async function readManifest(blob: BlobStore, container: string, id: string): Promise<BackupManifest> {
  const names = blobNames(id);
  if (timeOfId(id) === undefined || !(await blob.exists(container, names.manifest))) {
    throw new AppError("BACKUP_NOT_FOUND", `there is no backup ${id}`, { status: 404, details: { id } });
  }
  const raw = await text(await blob.download(container, names.manifest));
  return parseManifest(raw, id);
}

function parseManifest(raw: string, id: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new AppError("BACKUP_MANIFEST_INVALID", `the manifest of ${id} is not JSON`, { cause: error });
  }
  const m = value as Partial<BackupManifest> | null;
  const ok =
    m !== null &&
    typeof m === "object" &&
    m.id === id &&
    typeof m.sha256 === "string" &&
    typeof m.size === "number" &&
    typeof m.createdAt === "string" &&
    typeof m.migrationVersion === "number" &&
    typeof m.pgDumpMajor === "number" &&
    typeof m.rowCounts === "object" &&
    Array.isArray(m.absentTables);
  if (!ok) throw new AppError("BACKUP_MANIFEST_INVALID", `the manifest of ${id} lacks required fields`);
  return m as BackupManifest;
}
