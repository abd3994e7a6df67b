import { parseArgs } from "node:util";
import { createDeadLetterConsole, parseSelector } from "../../lib/dead-letters/index.ts";
import type { DeadLetterConsole, DeadLetterListing } from "../../lib/dead-letters/index.ts";
import type { Command } from "../cli.ts";
import { actorOf, connectFromEnv, processIo, withConnection } from "./operator.ts";
import type { CommandIo, Connect } from "./operator.ts";

const USAGE = `usage:
  warranty-hub dlq list [QUEUE] [--limit N] [--json]
  warranty-hub dlq show QUEUE ID [--json]
  warranty-hub dlq replay QUEUE (ID... | --cause CODE | --all) [--actor NAME] [--json]
  warranty-hub dlq purge QUEUE (ID... | --all) --yes [--actor NAME] [--json]
`;

const OPTIONS = {
  cause: { type: "string" },
  all: { type: "boolean" },
  yes: { type: "boolean" },
  actor: { type: "string" },
  limit: { type: "string" },
  json: { type: "boolean" },
} as const;

type Values = { cause?: string; all?: boolean; yes?: boolean; actor?: string; limit?: string; json?: boolean };

/**
 * `dlq list|show|replay|purge`: the dead-letter console against the platform the environment
 * names (any transport). Replays and purges are audited with `--actor` or $USER.
 */
export function createDlqCommand(deps: { readonly connect?: Connect; readonly io?: CommandIo } = {}): Command {
  const io = deps.io ?? processIo;
  return async (args, env) => {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, options: OPTIONS });
    } catch (error) {
      io.err(`${(error as Error).message}\n${USAGE}`);
      return 2;
    }
    const [action, queue, ...ids] = parsed.positionals;
    const values: Values = parsed.values;
    const problem = usageProblem(action, queue, ids, values);
    if (problem !== undefined) {
      io.err(`${problem}\n${USAGE}`);
      return 2;
    }
    return withConnection(deps.connect ?? connectFromEnv, env, io, async ({ pool, bus }) => {
      const deadLetters = createDeadLetterConsole({ bus, pool });
      const print = (data: unknown, text: () => string) => io.out(values.json ? `${JSON.stringify(data, null, 2)}\n` : text());
      if (action === "list") return list(deadLetters, queue, values, print);
      if (action === "show") {
        const detail = await deadLetters.show(queue ?? "", ids[0] ?? "");
        print(detail, () => `${JSON.stringify(detail, null, 2)}\n`);
        return 0;
      }
      const selector = parseSelector(
        { ids, ...(values.cause === undefined ? {} : { cause: values.cause }), ...(values.all ? { all: true } : {}) },
        { allowCause: action === "replay" },
      );
      const by = { actor: actorOf(values.actor, env), channel: "cli" };
      const done = action === "replay" ? await deadLetters.replay(queue ?? "", selector, by) : await deadLetters.purge(queue ?? "", selector, by);
      const verb = action === "replay" ? "replayed" : "purged";
      print(done, () => `${verb} ${done.count} message(s) of ${done.queue} (audit ${done.auditId})\n${done.ids.map((id) => `  ${id}\n`).join("")}`);
      return 0;
    });
  };
}

/** The command as `bin/cli.ts` registers it. */
export const dlqCommand: Command = createDlqCommand();

function usageProblem(action: string | undefined, queue: string | undefined, ids: string[], values: Values): string | undefined {
  if (!["list", "show", "replay", "purge"].includes(action ?? "")) return `unknown dlq action ${action ?? "(none)"}`;
  if (action === "list") return ids.length > 0 ? "dlq list takes at most one queue" : undefined;
  if (queue === undefined) return `dlq ${action} needs a QUEUE`;
  if (action === "show") return ids.length === 1 ? undefined : "dlq show needs exactly one message ID";
  if (action === "purge" && !values.yes) return "dlq purge deletes messages for good: add --yes to confirm";
  if (action === "purge" && values.cause !== undefined) return "dlq purge takes message IDs or --all, not --cause";
  const given = [ids.length > 0, values.cause !== undefined, values.all === true].filter(Boolean).length;
  if (given !== 1) return `dlq ${action} needs exactly one of: message IDs${action === "replay" ? ", --cause CODE" : ""}, --all`;
  return undefined;
}

async function list(
  deadLetters: DeadLetterConsole,
  queue: string | undefined,
  values: Values,
  print: (data: unknown, text: () => string) => void,
): Promise<number> {
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  const summary = queue === undefined ? await deadLetters.summary() : [];
  const queues = queue === undefined ? summary.filter((s) => s.deadLettered > 0).map((s) => s.queue) : [queue];
  const listings = await Promise.all(queues.map((q) => deadLetters.list(q, { limit })));
  const counts = summary.map((s) => `${s.queue.padEnd(16)} ready ${String(s.ready).padStart(6)}  dead-lettered ${String(s.deadLettered).padStart(6)}\n`);
  print(queue === undefined ? { queues: summary, deadLetters: listings } : listings[0], () => counts.join("") + listings.map(describe).join(""));
  return 0;
}

function describe(listing: DeadLetterListing): string {
  const lines = [`\n${listing.queue}: ${listing.total} dead-lettered${listing.listed < listing.total ? ` (${listing.listed} listed)` : ""}\n`];
  for (const group of listing.groups) {
    lines.push(`  ${group.code} (${group.count}): ${group.message}\n`);
    for (const m of group.messages) {
      lines.push(`    ${m.messageId}  ${m.type ?? "?"}  attempts ${m.attempts}  last failed ${m.lastFailedAt}\n`);
    }
  }
  return lines.join("");
}
