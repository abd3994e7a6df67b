import { parseArgs } from "node:util";
import { createFlagStore } from "../../lib/flags/index.ts";
import type { Flag } from "../../lib/flags/index.ts";
import type { Command } from "../cli.ts";
import { readCliConfig } from "./cli-config.ts";
import { cliNotifier } from "./notify.ts";
import { actorOf, connectFromEnv, processIo, withConnection } from "./operator.ts";
import type { CommandIo, Connect } from "./operator.ts";

const USAGE = "usage:\n  warranty-hub flags get NAME\n  warranty-hub flags set NAME on|off [--actor NAME]\n  warranty-hub flags list\n";

/** `flags get|set|list`: feature flags in the platform database; `set` is audited with `--actor` or $USER. */
export function createFlagsCommand(deps: { readonly connect?: Connect; readonly io?: CommandIo } = {}): Command {
  const io = deps.io ?? processIo;
  return async (args, env) => {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, options: { actor: { type: "string" } } });
    } catch (error) {
      io.err(`${(error as Error).message}\n${USAGE}`);
      return 2;
    }
    const [action, name, value, ...extra] = parsed.positionals;
    const valid =
      extra.length === 0 &&
      ((action === "list" && name === undefined) ||
        (action === "get" && name !== undefined && value === undefined) ||
        (action === "set" && name !== undefined && (value === "on" || value === "off")));
    if (!valid) {
      io.err(USAGE);
      return 2;
    }
    return withConnection(deps.connect ?? connectFromEnv, env, io, async ({ pool }) => {
      const config = action === "set" ? readCliConfig(env) : undefined;
      const store = createFlagStore(pool, config === undefined ? {} : { notifier: cliNotifier(config) });
      if (action === "list") {
        for (const flag of await store.list()) io.out(line(flag));
        return 0;
      }
      if (action === "get") {
        const flag = await store.get(name ?? "");
        if (flag === undefined) {
          io.err(`FLAG_NOT_FOUND: there is no feature flag named ${name ?? ""}\n`);
          return 1;
        }
        io.out(line(flag));
        return 0;
      }
      const change = await store.set(name ?? "", value === "on", actorOf(parsed.values.actor, env), { channel: "cli" });
      io.out(`${change.flag.name}: ${onOff(change.previous)} -> ${onOff(change.flag.enabled)} (every process sees it within 5 s)\n`);
      return 0;
    });
  };
}

/** The command as `bin/cli.ts` registers it. */
export const flagsCommand: Command = createFlagsCommand();

function onOff(enabled: boolean): string {
  return enabled ? "on" : "off";
}

function line(flag: Flag): string {
  return `${flag.name} ${onOff(flag.enabled)} (set by ${flag.updatedBy} at ${flag.updatedAt})\n`;
}
