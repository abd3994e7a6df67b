import { failureLine } from "../lib/runtime/index.ts";
import { backupCommand } from "./commands/backup.ts";
import { dlqCommand } from "./commands/dlq.ts";
import { flagsCommand } from "./commands/flags.ts";
import { importCommand } from "./commands/import.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { notifyCommand } from "./commands/notify.ts";
import { restoreCommand } from "./commands/restore.ts";
import { startCommand } from "./commands/start.ts";
import { tokenCommand } from "./commands/token.ts";

/** A CLI subcommand: gets its own arguments and the environment, returns the exit code. */
export type Command = (args: string[], env: Readonly<Record<string, string | undefined>>) => Promise<number>;

const COMMANDS: Readonly<Record<string, { run: Command; summary: string }>> = {
  start: { run: startCommand, summary: "start api|ingest|ocr|chat-relay|all   run services in this process" },
  token: { run: tokenCommand, summary: "token --role R [--sub ID] [--brand NAME] [--expires 8h]   mint a dev JWT" },
  migrate: { run: migrateCommand, summary: "migrate up|down|status [--to N] [--steps N] [--lift-ceiling]   database migrations (down sets a ceiling)" },
  dlq: { run: dlqCommand, summary: "dlq list [QUEUE] | show QUEUE ID | replay QUEUE (ID...|--cause CODE|--all) | purge QUEUE (ID...|--all) --yes   dead letters" },
  flags: { run: flagsCommand, summary: "flags get NAME | set NAME on|off | list   feature flags (changes audited)" },
  backup: { run: backupCommand, summary: "backup create|list|verify ID   database backups in blob storage" },
  import: { run: importCommand, summary: "import FILE [--dry-run] [--max-invalid-percent N] [--url URL] [--token T]   bulk-import product models" },
  notify: { run: notifyCommand, summary: "notify EVENT STATUS --summary TEXT [--link NAME=URL]   tell the NOTIFY_* webhooks (deploy, rollback, ...)" },
  restore: { run: restoreCommand, summary: "restore ID|latest --target URL [--yes]   restore into a new database" },
};

/**
 * Dispatches `warranty-hub <command> ...`. Whatever a command throws ends as one line on
 * stderr and exit code 1, never a stack trace.
 */
export async function main(argv: string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    const usage = Object.values(COMMANDS).map((c) => `  warranty-hub ${c.summary}`);
    process.stderr.write(`usage:\n${usage.join("\n")}\n`);
    return name === undefined || name === "help" || name === "--help" ? 0 : 2;
  }
  try {
    return await command.run(rest, env);
  } catch (error) {
    process.stderr.write(failureLine(`warranty-hub ${name} failed`, error));
    return 1;
  }
}
