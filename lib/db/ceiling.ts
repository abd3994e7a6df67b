import type { PoolClient } from "pg";

/**
 * The migration ceiling: the highest migration `migrate up` may apply. A rollback records it
 * so that a process of the current image that restarts (and migrates on start-up) does not
 * re-create what the rollback removed. It lives in a table of the runner's own, outside the
 * numbered migrations, so rolling every migration back does not lose it.
 */
export interface MigrationCeiling {
  /** Migrations numbered above this stay pending until the ceiling is lifted. */
  readonly id: number;
  /** Who set it: the operator's login or token subject. */
  readonly setBy: string;
  readonly reason: string;
  readonly setAt: Date;
}

/** The single-row table; `only_row` keeps it to one ceiling per database. */
const CREATE_TABLE = `
  create table if not exists schema_migration_ceiling (
    only_row boolean primary key default true check (only_row),
    id integer not null check (id >= 0),
    set_by text not null,
    reason text not null,
    set_at timestamptz not null default now()
  )`;

/** The recorded ceiling, or undefined when there is none (or the table was never created). */
export async function readCeiling(client: PoolClient): Promise<MigrationCeiling | undefined> {
  const exists = await client.query<{ table: string | null }>("select to_regclass('schema_migration_ceiling')::text as table");
  if (exists.rows[0]?.table == null) return undefined;
  const { rows } = await client.query<MigrationCeiling>(
    `select id, set_by as "setBy", reason, set_at as "setAt" from schema_migration_ceiling`,
  );
  return rows[0];
}

/** Records the ceiling, or lowers the one recorded; a rollback never raises it. */
export async function writeCeiling(client: PoolClient, ceiling: Omit<MigrationCeiling, "setAt">): Promise<void> {
  await client.query(CREATE_TABLE);
  await client.query(
    `insert into schema_migration_ceiling (id, set_by, reason) values ($1, $2, $3)
       on conflict (only_row) do update set id = excluded.id, set_by = excluded.set_by, reason = excluded.reason, set_at = now()
       where excluded.id <= schema_migration_ceiling.id`,
    [ceiling.id, ceiling.setBy, ceiling.reason],
  );
}

/** Removes the ceiling; returns the one that was set. */
export async function deleteCeiling(client: PoolClient): Promise<MigrationCeiling | undefined> {
  const current = await readCeiling(client);
  if (current !== undefined) await client.query("delete from schema_migration_ceiling");
  return current;
}
