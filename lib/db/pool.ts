import pg from "pg";
import type { Pool, PoolClient } from "pg";
import type { Logger } from "../log/index.ts";
export interface PoolSettings {
  /** Most connections open at once; pg's default is 10. */
  readonly max?: number;
  /** Shown in `pg_stat_activity`, so operators can tell processes apart. */
  readonly applicationName?: string;
  /** Receives errors of idle connections (a database restart, a dropped socket). */
  readonly logger?: Logger;
}

/**
 * A connection pool for `url`. Idle-connection errors are reported to the logger instead of
 * crashing the process: pg already discards the broken connection, and the next query that
 * needs the database reports the outage where it can be handled.
 */
export function createPool(url: string, options: PoolSettings = {}): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    ...(options.max === undefined ? {} : { max: options.max }),
    ...(options.applicationName === undefined ? {} : { application_name: options.applicationName }),
  });
  pool.on("error", (error) => options.logger?.warn({ err: error.message }, "idle database connection failed"));
  return pool;
}

/**
 * Runs `fn` inside `begin` … `commit` on one pooled connection and rolls back when it
 * throws. A connection whose rollback fails is destroyed rather than returned to the pool,
 * since its transaction state is unknown. When the backend is terminated mid-transaction pg
 * emits `error` on the checked-out client besides rejecting the query; that event is heard
 * here, because an unheard one would crash the process.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => (broken = error);
  client.on("error", onError);
  try {
    await client.query("begin");
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.off("error", onError);
    client.release(broken);
  }
}
