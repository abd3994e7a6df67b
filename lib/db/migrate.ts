import type { Pool, PoolClient } from "pg";
import { AppError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import { deleteCeiling, readCeiling, writeCeiling } from "./ceiling.ts";
import type { MigrationCeiling } from "./ceiling.ts";
import { label, loadMigrations } from "./migration-files.ts";
import type { Migration } from "./migration-files.ts";

/** One migration as the database and the code see it. */
export interface MigrationState {
  readonly id: number;
  readonly name: string;
  /** When it was applied; undefined while pending. */
  readonly appliedAt: Date | undefined;
  /** Applied, but its up script has changed since (or there is no script for it here). */
  readonly drifted: boolean;
}
export interface MigrateUpOptions {
  /** Apply up to and including this migration number; all pending ones when absent. */
  readonly to?: number;
  /**
   * Removes a recorded ceiling first, so migrations above it are applied again. Only an
   * operator re-enabling a rolled-back change asks for this; start-up never does.
   */
  readonly liftCeiling?: boolean;
  readonly logger?: Logger;
}

/** Options of {@link migrateDown}: `to` wins over `steps`; one step when neither is given. */
export interface MigrateDownOptions {
  readonly steps?: number;
  /** Roll back every applied migration numbered above this. */
  readonly to?: number;
  /**
   * Records a ceiling at the migration left newest (or `to`), so that `migrate up`, which
   * every process runs on start-up, does not re-apply what was rolled back.
   */
  readonly ceiling?: { readonly setBy: string; readonly reason: string };
  readonly logger?: Logger;
}

interface Applied {
  readonly id: number;
  readonly name: string;
  readonly checksum: string;
  readonly appliedAt: Date;
}

/** Any fixed key works; every process that migrates this database must use the same one. */
const LOCK_KEY = "warranty-hub.schema_migrations";

/**
 * Applies pending migrations in order, each in its own transaction together with its
 * `schema_migrations` row. Several processes may start at once: an advisory lock lets one
 * migrate while the others wait and then find nothing to do. A recorded ceiling holds back
 * the migrations above it (logged, not an error, so processes still start); asking for one
 * of them with `to` is an error unless `liftCeiling` is set. Returns the ids applied.
 */
export async function migrateUp(pool: Pool, options: MigrateUpOptions = {}): Promise<number[]> {
  checkTarget("to", options.to);
  const migrations = await loadMigrations();
  return withMigrationLock(pool, async (client) => {
    const applied = await readApplied(client);
    checkApplied(migrations, applied, options.logger);
    const limit = await ceilingLimit(client, options);
    const newest = Math.max(0, ...applied.keys());
    const wanted = migrations.filter((m) => !applied.has(m.id) && m.id <= (options.to ?? Infinity));
    const pending = wanted.filter((m) => m.id <= limit);
    const held = wanted.filter((m) => m.id > limit).map(label);
    if (held.length > 0) {
      options.logger?.warn({ ceiling: limit, held }, "migrations held back by the recorded ceiling (lift it with migrate up --lift-ceiling)");
    }
    const early = pending.find((m) => m.id < newest);
    if (early) {
      throw new AppError("MIGRATION_OUT_OF_ORDER", `migration ${label(early)} is older than applied migration ${newest}`);
    }
    for (const migration of pending) {
      await inTransaction(client, migration, "up", async () => {
        await client.query(migration.up);
        await client.query("insert into schema_migrations (id, name, checksum) values ($1, $2, $3)", [
          migration.id,
          migration.name,
          migration.checksum,
        ]);
      });
      options.logger?.info({ migration: label(migration) }, "migration applied");
    }
    return pending.map((m) => m.id);
  });
}

/**
 * Rolls back the newest applied migrations, newest first, each in its own transaction, and
 * records the ceiling when asked to (after the last one succeeded: a failed rollback leaves
 * the schema and the ceiling as they were). Returns the ids rolled back.
 */
export async function migrateDown(pool: Pool, options: MigrateDownOptions = {}): Promise<number[]> {
  checkTarget("to", options.to);
  checkTarget("steps", options.steps);
  const migrations = new Map((await loadMigrations()).map((m) => [m.id, m]));
  return withMigrationLock(pool, async (client) => {
    const applied = await readApplied(client);
    checkApplied([...migrations.values()], applied, options.logger);
    const newestFirst = [...applied.keys()].sort((a, b) => b - a);
    const chosen =
      options.to === undefined
        ? newestFirst.slice(0, options.steps ?? 1)
        : newestFirst.filter((id) => id > (options.to ?? 0));
    for (const id of chosen) {
      const migration = migrations.get(id);
      if (!migration) {
        throw new AppError("MIGRATION_MISSING", `applied migration ${id} has no scripts here, so it cannot be rolled back`);
      }
      await inTransaction(client, migration, "down", async () => {
        // The row goes first: the down of the first migration drops the ledger itself.
        await client.query("delete from schema_migrations where id = $1", [id]);
        await client.query(migration.down);
      });
      options.logger?.info({ migration: label(migration) }, "migration rolled back");
    }
    if (options.ceiling !== undefined) {
      const ceiling = options.to ?? Math.max(0, ...newestFirst.filter((id) => !chosen.includes(id)));
      await writeCeiling(client, { id: ceiling, ...options.ceiling });
      options.logger?.info({ ceiling }, "migration ceiling recorded: migrate up stops here until it is lifted");
    }
    return chosen;
  });
}

/** The recorded ceiling, if any; `migrate status` shows it. */
export async function migrationCeiling(pool: Pool): Promise<MigrationCeiling | undefined> {
  const client = await pool.connect();
  try {
    return await readCeiling(client);
  } finally {
    client.release();
  }
}

/** Every migration known to the code or recorded in the database, by number. */
export async function migrationStatus(pool: Pool): Promise<MigrationState[]> {
  const migrations = await loadMigrations();
  const client = await pool.connect();
  try {
    const applied = await readApplied(client);
    const states = new Map<number, MigrationState>();
    for (const m of migrations) {
      const row = applied.get(m.id);
      states.set(m.id, { id: m.id, name: m.name, appliedAt: row?.appliedAt, drifted: row !== undefined && row.checksum !== m.checksum });
    }
    for (const row of applied.values()) {
      if (!states.has(row.id)) states.set(row.id, { id: row.id, name: row.name, appliedAt: row.appliedAt, drifted: true });
    }
    return [...states.values()].sort((a, b) => a.id - b.id);
  } finally {
    client.release();
  }
}

/** The highest migration this run may apply, after lifting the ceiling if asked to. */
async function ceilingLimit(client: PoolClient, options: MigrateUpOptions): Promise<number> {
  if (options.liftCeiling === true) {
    const lifted = await deleteCeiling(client);
    if (lifted !== undefined) options.logger?.info({ ceiling: lifted.id, setBy: lifted.setBy }, "migration ceiling lifted");
    return Infinity;
  }
  const ceiling = await readCeiling(client);
  if (ceiling === undefined) return Infinity;
  if (options.to !== undefined && options.to > ceiling.id) {
    throw new AppError(
      "MIGRATION_ABOVE_CEILING",
      `migration ${options.to} is above the ceiling of ${ceiling.id} set by ${ceiling.setBy} (${ceiling.reason}); lift it with migrate up --lift-ceiling`,
    );
  }
  return ceiling.id;
}

function checkTarget(option: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    throw new AppError("MIGRATION_OPTIONS_INVALID", `${option} must be a whole number of 0 or more, not ${value}`);
  }
}

async function withMigrationLock<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock(hashtext($1))", [LOCK_KEY]);
    const result = await fn(client);
    await client.query("select pg_advisory_unlock(hashtext($1))", [LOCK_KEY]);
    client.release();
    return result;
  } catch (error) {
    // Closing the session rolls back whatever is open and frees the lock with it.
    client.release(true);
    throw error;
  }
}

async function readApplied(client: PoolClient): Promise<Map<number, Applied>> {
  const exists = await client.query<{ table: string | null }>("select to_regclass('schema_migrations')::text as table");
  if (exists.rows[0]?.table == null) return new Map();
  const { rows } = await client.query<Applied>(
    `select id, name, checksum, applied_at as "appliedAt" from schema_migrations order by id`,
  );
  return new Map(rows.map((row) => [row.id, row]));
}

/** Refuses to run when an applied script was edited; tolerates applied migrations this code does not know. */
function checkApplied(migrations: readonly Migration[], applied: ReadonlyMap<number, Applied>, logger?: Logger): void {
  const known = new Map(migrations.map((m) => [m.id, m]));
  for (const row of applied.values()) {
    const migration = known.get(row.id);
    if (!migration) {
      // An older release running against a newer schema (a rollback of the application).
      logger?.warn({ migration: label(row) }, "database has a migration this code does not know");
    } else if (migration.checksum !== row.checksum) {
      throw new AppError(
        "MIGRATION_CHECKSUM_MISMATCH",
        `migration ${label(migration)} was changed after it was applied (checksum ${row.checksum.slice(0, 12)} in the database, ${migration.checksum.slice(0, 12)} in the file); add a new migration instead`,
      );
    }
  }
}

async function inTransaction(
  client: PoolClient,
  migration: Migration,
  direction: "up" | "down",
  steps: () => Promise<void>,
): Promise<void> {
  try {
    await client.query("begin");
    await steps();
    await client.query("commit");
  } catch (cause) {
    await client.query("rollback").catch(() => undefined);
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new AppError("MIGRATION_FAILED", `migration ${label(migration)} ${direction} failed: ${reason}`, { cause });
  }
}
