import type { PoolClient } from "../db/index.ts";
import { KEY_TABLES } from "./manifest.ts";

/** Queryable connection: a pool client or a plain pg client. */
export type Queryable = Pick<PoolClient, "query">;

/** The server's version string, major number and the current database's name. */
export async function serverInfo(db: Queryable): Promise<{ version: string; major: number; database: string }> {
  const { rows } = await db.query<{ version: string; num: string; database: string }>(
    "select current_setting('server_version') as version, current_setting('server_version_num') as num, current_database() as database",
  );
  const row = rows[0];
  if (!row) throw new Error("the server did not describe itself");
  return { version: row.version, major: Math.floor(Number(row.num) / 10_000), database: row.database };
}

/**
 * Opens a read-only repeatable-read transaction and exports its snapshot, so pg_dump
 * (`--snapshot`) and the row counts see exactly the same data. The caller commits after
 * pg_dump is done; the snapshot lives only as long as this transaction.
 */
export async function exportSnapshot(db: Queryable): Promise<string> {
  await db.query("begin isolation level repeatable read read only");
  const { rows } = await db.query<{ snapshot: string }>("select pg_export_snapshot() as snapshot");
  const snapshot = rows[0]?.snapshot;
  if (snapshot === undefined) throw new Error("pg_export_snapshot returned nothing");
  return snapshot;
}

/** The highest applied migration, 0 for a database that was never migrated. */
export async function migrationVersion(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ version: number | null }>(
    "select case when to_regclass('public.schema_migrations') is null then null else 0 end as version",
  );
  if (rows[0]?.version === null) return 0;
  const applied = await db.query<{ version: number }>("select coalesce(max(id), 0)::int as version from schema_migrations");
  return applied.rows[0]?.version ?? 0;
}

/** Exact row counts of the key tables that exist, and the names of those that do not. */
export async function countKeyTables(
  db: Queryable,
): Promise<{ rowCounts: Record<string, number>; absentTables: string[] }> {
  const present = await presentTables(db, KEY_TABLES);
  const rowCounts: Record<string, number> = {};
  for (const table of present) {
    // The name comes from KEY_TABLES, never from input.
    const { rows } = await db.query<{ n: string }>(`select count(*) as n from public.${table}`);
    rowCounts[table] = Number(rows[0]?.n ?? 0);
  }
  return { rowCounts, absentTables: KEY_TABLES.filter((t) => !present.includes(t)) };
}

/** Which of `tables` exist in the public schema. */
export async function presentTables(db: Queryable, tables: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    "select t.name from unnest($1::text[]) as t(name) where to_regclass('public.' || quote_ident(t.name)) is not null",
    [tables],
  );
  return tables.filter((t) => rows.some((r) => r.name === t));
}

/** Number of user tables (outside the system schemas): a restore target must have none. */
export async function userTableCount(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    "select count(*) as n from pg_catalog.pg_tables where schemaname not in ('pg_catalog', 'information_schema')",
  );
  return Number(rows[0]?.n ?? 0);
}
