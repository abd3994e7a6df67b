import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { AppError } from "../errors/index.ts";

/** One numbered schema change with the SQL that undoes it. */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly up: string;
  readonly down: string;
  /** sha256 of the up script; an applied migration whose script changed is refused. */
  readonly checksum: string;
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$/;

/** Where this package keeps its migrations. */
export const MIGRATIONS_DIRECTORY = new URL("./migrations/", import.meta.url);

/**
 * Reads `NNNN_name.up.sql` / `NNNN_name.down.sql` pairs, sorted by number. A script without
 * its pair, or two names for one number, is an error: every change must be reversible.
 */
export async function loadMigrations(directory: URL = MIGRATIONS_DIRECTORY): Promise<Migration[]> {
  const scripts = new Map<number, { name: string; up?: string; down?: string }>();
  for (const file of (await readdir(directory)).sort()) {
    const match = FILE.exec(file);
    if (!match) continue;
    const [, digits = "", name = "", direction] = match;
    const id = Number(digits);
    const entry = scripts.get(id) ?? { name };
    if (entry.name !== name) throw invalid(`migration ${digits} has two names: ${entry.name} and ${name}`);
    const sql = await readFile(new URL(file, directory), "utf8");
    if (direction === "up") entry.up = sql;
    else entry.down = sql;
    scripts.set(id, entry);
  }
  return [...scripts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([id, { name, up, down }]) => {
      if (up === undefined || down === undefined) {
        throw invalid(`migration ${label({ id, name })} needs both an .up.sql and a .down.sql file`);
      }
      return { id, name, up, down, checksum: createHash("sha256").update(up).digest("hex") };
    });
}

/** `0001_platform`, as the files are named. */
export function label(migration: { readonly id: number; readonly name: string }): string {
  return `${String(migration.id).padStart(4, "0")}_${migration.name}`;
}

function invalid(message: string): AppError {
  return new AppError("MIGRATION_FILES_INVALID", message);
}
