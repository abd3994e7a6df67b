import { parseArgs } from "node:util";
import { readCliConfig } from "./cli-config.ts";
import { createPool, migrateDown, migrateUp, migrationStatus } from "../../lib/db/index.ts";
import { startEmbeddedPostgres } from "../../lib/embedded/index.ts";
import { createLogger } from "../../lib/log/index.ts";
import { withRunningInstance } from "../../lib/runtime/index.ts";
import type { Command } from "../cli.ts";

/**
 * `migrate up [--to N]`, `migrate down (--steps N | --to N)`, `migrate status`. Runs against
 * DATABASE_URL, else the database of the instance running in DATA_DIR, else the embedded
 * PostgreSQL under DATA_DIR.
 */
export const migrateCommand: Command = async (args, env) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { to: { type: "string" }, steps: { type: "string" } },
  });
  const action = positionals[0] ?? "status";
  if (!["up", "down", "status"].includes(action)) {
    process.stderr.write("usage: warranty-hub migrate up|down|status [--to N] [--steps N]\n");
    return 2;
  }
  const declared = readCliConfig(env);
  if (!declared) return 2;
  const config = await withRunningInstance(declared);
  const logger = createLogger({ level: config.logLevel, name: "migrate" });
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort, logger });
  const pool = createPool(config.databaseUrl ?? embedded?.url ?? "");
  try {
    const to = values.to === undefined ? undefined : Number(values.to);
    if (action === "up") await migrateUp(pool, { logger, ...(to === undefined ? {} : { to }) });
    if (action === "down") {
      if (to === undefined && values.steps === undefined) {
        process.stderr.write("migrate down needs --steps N or --to N\n");
        return 2;
      }
      await migrateDown(pool, to === undefined ? { steps: Number(values.steps) } : { to });
    }
    for (const m of await migrationStatus(pool)) {
      process.stdout.write(`${String(m.id).padStart(4, "0")} ${m.name} ${m.appliedAt ? `applied ${m.appliedAt.toISOString()}` : "pending"}\n`);
    }
    return 0;
  } finally {
    await pool.end();
    await embedded?.stop();
  }
};
