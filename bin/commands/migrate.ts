import { parseArgs } from "node:util";
import { recordAudit } from "../../lib/audit/index.ts";
import type { AuditOutcome } from "../../lib/audit/index.ts";
import { createPool, migrateDown, migrateUp, migrationCeiling, migrationStatus } from "../../lib/db/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { startEmbeddedPostgres } from "../../lib/embedded/index.ts";
import { describeError } from "../../lib/errors/index.ts";
import { createLogger } from "../../lib/log/index.ts";
import { withRunningInstance } from "../../lib/runtime/index.ts";
import type { Command } from "../cli.ts";
import { readCliConfig } from "./cli-config.ts";
import { actorOf } from "./operator.ts";

const USAGE =
  "usage: warranty-hub migrate up [--to N] [--lift-ceiling] | down (--steps N | --to N) [--reason TEXT] | status   [--actor NAME]\n";

/**
 * `migrate up [--to N] [--lift-ceiling]`, `migrate down (--steps N | --to N)`, `migrate status`.
 * Runs against DATABASE_URL, else the database of the instance running in DATA_DIR, else the
 * embedded PostgreSQL under DATA_DIR. `down` is an operator's rollback: it records a ceiling
 * so processes that restart do not migrate back up, and it is audited; `up --lift-ceiling`
 * is the explicit way back.
 */
export const migrateCommand: Command = async (args, env) => {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        to: { type: "string" },
        steps: { type: "string" },
        "lift-ceiling": { type: "boolean" },
        actor: { type: "string" },
        reason: { type: "string" },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const action = positionals[0] ?? "status";
  if (!["up", "down", "status"].includes(action) || (action === "down" && values.to === undefined && values.steps === undefined)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const declared = readCliConfig(env);
  if (!declared) return 2;
  const config = await withRunningInstance(declared);
  const logger = createLogger({ level: config.logLevel, name: "migrate" }, process.stderr);
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort, logger });
  const pool = createPool(config.databaseUrl ?? embedded?.url ?? "");
  const actor = actorOf(values.actor, env);
  const to = values.to === undefined ? undefined : Number(values.to);
  try {
    if (action === "up") {
      const liftCeiling = values["lift-ceiling"] === true;
      const before = liftCeiling ? await migrationCeiling(pool) : undefined;
      await audited(pool, actor, liftCeiling ? "migrate.lift-ceiling" : undefined, { ceiling: before?.id }, () =>
        migrateUp(pool, { logger, liftCeiling, ...(to === undefined ? {} : { to }) }),
      );
    }
    if (action === "down") {
      const reason = values.reason ?? "rollback";
      const options = to === undefined ? { steps: Number(values.steps) } : { to };
      const rolledBack = await audited(pool, actor, "migrate.down", { ...options, reason }, () =>
        migrateDown(pool, { ...options, logger, ceiling: { setBy: actor, reason } }),
      );
      process.stdout.write(`rolled back: ${rolledBack.join(", ") || "nothing"}\n`);
    }
    await printStatus(pool);
    return 0;
  } catch (error) {
    const { code, message } = describeError(error);
    process.stderr.write(`migrate ${action} failed: ${code}: ${message}\n`);
    return 1;
  } finally {
    await pool.end();
    await embedded?.stop();
  }
};

/**
 * Runs `work` and, for an audited `action`, writes who ran it and how it ended. The audit
 * log is itself a migration's table: a rollback below 0001 leaves nowhere to write, which
 * is said on stderr instead.
 */
async function audited<T>(
  pool: Pool,
  actor: string,
  action: string | undefined,
  details: Record<string, unknown>,
  work: () => Promise<T>,
): Promise<T> {
  if (action === undefined) return work();
  const write = async (outcome: AuditOutcome, extra: Record<string, unknown>) => {
    const { rows } = await pool.query<{ t: string | null }>("select to_regclass('audit_log')::text as t");
    if (rows[0]?.t == null) {
      process.stderr.write(`${action} not audited: the audit_log table is rolled back too\n`);
      return;
    }
    await recordAudit(pool, { actor, action, target: "schema", details: { ...details, ...extra }, outcome });
  };
  try {
    const result = await work();
    await write("ok", { result });
    return result;
  } catch (error) {
    // The failure the operator must see is the migration's, not a second one from the audit.
    await write("failed", { error: describeError(error) }).catch((auditError: unknown) =>
      process.stderr.write(`${action} not audited: ${describeError(auditError).message}\n`),
    );
    throw error;
  }
}

async function printStatus(pool: Pool): Promise<void> {
  const ceiling = await migrationCeiling(pool);
  for (const m of await migrationStatus(pool)) {
    const state = m.appliedAt
      ? `applied ${m.appliedAt.toISOString()}`
      : ceiling !== undefined && m.id > ceiling.id
        ? "held back by the ceiling"
        : "pending";
    process.stdout.write(`${String(m.id).padStart(4, "0")} ${m.name} ${state}\n`);
  }
  if (ceiling !== undefined) {
    process.stdout.write(
      `ceiling ${ceiling.id} set by ${ceiling.setBy} at ${ceiling.setAt.toISOString()} (${ceiling.reason}); ` +
        "lift it with: warranty-hub migrate up --lift-ceiling\n",
    );
  }
}
