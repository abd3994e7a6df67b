import { parseArgs } from "node:util";
import { chooseBackup, cutoverSteps, formatDuration, restoreBackup } from "../../lib/backup/index.ts";
import type { RestoreReport } from "../../lib/backup/index.ts";
import { describeError } from "../../lib/errors/index.ts";
import type { Command } from "../cli.ts";
import { describeChoice, openBackupContext } from "./backup.ts";
import { cliNotifier } from "./notify.ts";
import { actorOf } from "./operator.ts";

const USAGE = "usage: warranty-hub restore ID|latest --target postgres://.../new_database [--yes]\n";

/** Exit code when the requested backup is corrupt and an older one awaits the operator's `--yes`. */
const EXIT_NEEDS_CONFIRMATION = 3;

/**
 * `restore ID|latest --target URL [--yes]`: verifies the backup, falls back to the newest
 * valid older one only with `--yes` (stating the RPO miss), restores into a new database,
 * validates it against the manifest and prints the cutover steps.
 */
export const restoreCommand: Command = async (args, env) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { target: { type: "string" }, yes: { type: "boolean", default: false } },
  });
  const id = positionals[0];
  if (id === undefined || values.target === undefined || !/^postgres(ql)?:\/\//.test(values.target)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const context = await openBackupContext(env);
  if (context === undefined) return 2;
  try {
    const choice = await chooseBackup(context.store, id);
    process.stdout.write(describeChoice(choice));
    if (choice.chosen === undefined) return 1;
    if (choice.fallback && !values.yes) {
      process.stdout.write(
        `not restoring: run again with ${choice.chosen.id} (or --yes) to accept the older backup\n`,
      );
      return EXIT_NEEDS_CONFIRMATION;
    }
    const notifier = cliNotifier(context.config);
    const actor = actorOf(undefined, env);
    const database = new URL(values.target).pathname.slice(1);
    await notifier.notify({ event: "restore-start", status: "started", summary: `restore of ${choice.chosen.id} into ${database} started`, actor });
    const report = await restoreBackup({ ...context.store, logger: context.logger }, choice.chosen.id, values.target).catch(async (error: unknown) => {
      const { code } = describeError(error);
      await notifier.notify({ event: "restore-end", status: "failed", summary: `restore of ${choice.chosen?.id ?? id} failed: ${code}`, actor });
      throw error;
    });
    process.stdout.write(formatReport(report));
    await notifier.notify({
      event: "restore-end",
      status: report.ok ? "succeeded" : "failed",
      summary: `restore of ${report.id} into ${report.database} ${report.ok ? "validated" : "FAILED validation"} in ${formatDuration(report.durationMs)} (RTO 4 h)`,
      actor,
      details: { durationMs: report.durationMs, checks: report.checks.filter((c) => !c.ok).map((c) => c.name) },
    });
    return report.ok ? 0 : 1;
  } catch (error) {
    const { code, message } = describeError(error);
    process.stderr.write(`restore failed: ${code}: ${message}\n`);
    return 1;
  } finally {
    await context.close();
  }
};

function formatReport(report: RestoreReport): string {
  const checks = report.checks.map(
    (c) => `  ${c.ok ? "ok  " : "FAIL"}  ${c.name.padEnd(40)} expected ${String(c.expected)}, got ${String(c.actual)}`,
  );
  const head = `restored ${report.id} into ${report.created ? "new" : "empty"} database ${report.database} in ${formatDuration(report.durationMs)} (RTO 4 h)`;
  const tail = report.ok
    ? ["validation passed. Cutover:", ...cutoverSteps(report).map((s) => `  ${s}`)]
    : ["VALIDATION FAILED: do not cut over; restore again into another new database or use an older backup"];
  return [head, "validation against the manifest:", ...checks, ...tail].join("\n") + "\n";
}
