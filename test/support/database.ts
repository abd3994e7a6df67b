import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { createPool, migrateUp } from "../../lib/db/index.ts";
import type { Pool } from "../../lib/db/index.ts";

/** A database of its own for one test file or test, and how to get rid of it. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  /** A pool on the new database; `drop` closes it. */
  readonly pool: Pool;
  /** Closes the pool, ends any other connections to the database, and drops it. */
  drop(): Promise<void>;
}

/**
 * Creates `wh_<runId>_<random>` on the test server, migrated to the newest schema unless
 * `migrate: false` asks for an empty one.
 */
export async function createTestDatabase(options: { readonly migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject("adminDatabaseUrl");
  const name = `wh_${inject("runId")}_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await asAdmin(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), { max: 5, applicationName: "warranty-hub-test" });
  try {
    if (options.migrate ?? true) await migrateUp(pool);
  } catch (error) {
    await pool.end();
    await asAdmin(adminUrl, `drop database ${name} with (force)`);
    throw error;
  }
  let dropped = false;
  return {
    url: url.toString(),
    name,
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      await pool.end();
      // `with (force)` terminates whatever else is still connected (child processes, listeners).
      await asAdmin(adminUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

async function asAdmin(adminUrl: string, sql: string): Promise<void> {
  const admin = createPool(adminUrl, { max: 1 });
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
