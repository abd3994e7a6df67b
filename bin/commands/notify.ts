import { parseArgs } from "node:util";
import type { PlatformConfig } from "../../lib/config/index.ts";
import { createLogger } from "../../lib/log/index.ts";
import { NOTIFY_EVENTS, NOTIFY_STATUSES, createNotifier } from "../../lib/notify/index.ts";
import type { Notifier, NotifyEvent, NotifyStatus } from "../../lib/notify/index.ts";
import type { Command } from "../cli.ts";
import { readCliConfig } from "./cli-config.ts";
import { actorOf } from "./operator.ts";

const USAGE =
  `usage: warranty-hub notify ${NOTIFY_EVENTS.join("|")} ${NOTIFY_STATUSES.join("|")} --summary TEXT ` +
  "[--actor NAME] [--link NAME=URL]... [--detail KEY=VALUE]...\n";

/** The notifier a CLI command uses, from the NOTIFY_* variables it already read; logs go to stderr. */
export function cliNotifier(config: PlatformConfig): Notifier {
  const logger = createLogger({ level: config.logLevel, name: "notify" }, process.stderr);
  return createNotifier({ config: config.notify, version: config.build.version, logger });
}

/**
 * `notify EVENT STATUS --summary TEXT`: sends one notification to the configured webhooks, for
 * the workflow steps (deploy, rollback) that have no process of their own to send it. Exits 1
 * when a configured webhook did not take it, so the step shows it.
 */
export const notifyCommand: Command = async (args, env) => {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        summary: { type: "string" },
        actor: { type: "string" },
        link: { type: "string", multiple: true },
        detail: { type: "string", multiple: true },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [event, status, ...extra] = parsed.positionals;
  const links = pairs(parsed.values.link ?? []);
  const details = pairs(parsed.values.detail ?? []);
  if (
    !(NOTIFY_EVENTS as readonly string[]).includes(event ?? "") ||
    !(NOTIFY_STATUSES as readonly string[]).includes(status ?? "") ||
    extra.length > 0 ||
    !parsed.values.summary ||
    links === undefined ||
    details === undefined
  ) {
    process.stderr.write(USAGE);
    return 2;
  }
  const config = readCliConfig(env);
  if (!config) return 2;
  const deliveries = await cliNotifier(config).notify({
    event: event as NotifyEvent,
    status: status as NotifyStatus,
    summary: parsed.values.summary,
    actor: actorOf(parsed.values.actor, env),
    details,
    links,
  });
  if (deliveries.length === 0) process.stdout.write("no notification webhook configured (NOTIFY_WEBHOOK_URL, NOTIFY_SLACK_WEBHOOK_URL)\n");
  for (const d of deliveries) {
    process.stdout.write(`${d.target}: ${d.ok ? "delivered" : `NOT delivered (${d.error ?? "unknown"})`} after ${d.attempts} attempt(s)\n`);
  }
  return deliveries.every((d) => d.ok) ? 0 : 1;
};

/** `KEY=VALUE` words as an object; undefined when one has no `=`. */
function pairs(words: readonly string[]): Record<string, string> | undefined {
  const entries = words.map((word) => {
    const at = word.indexOf("=");
    return at > 0 ? ([word.slice(0, at), word.slice(at + 1)] as const) : undefined;
  });
  return entries.every((e) => e !== undefined) ? Object.fromEntries(entries) : undefined;
}
