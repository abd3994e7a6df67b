import { recordAudit } from "../audit/index.ts";
import type { Bus, DeadLetter, DeadLetterSelector } from "../bus/index.ts";
import type { Pool } from "../db/index.ts";
import { AppError } from "../errors/index.ts";
import { QUEUE_NAMES } from "../messages/index.ts";


/** Messages ready and dead-lettered in one queue. */
export interface QueueSummary {
  readonly queue: string;
  readonly ready: number;
  readonly deadLettered: number;
}

/** One dead letter in a listing. */
export interface DeadLetterItem {
  readonly messageId: string;
  readonly type: string | undefined;
  readonly attempts: number;
  readonly firstFailedAt: string;
  readonly lastFailedAt: string;
}

/** Dead letters that failed for the same reason (error code and message). */
export interface CauseGroup {
  readonly code: string;
  readonly message: string;
  readonly count: number;
  readonly messages: DeadLetterItem[];
}

/** A queue's dead letters, grouped by cause, largest group first. */
export interface DeadLetterListing {
  readonly queue: string;
  /** Dead letters in the queue; may exceed the listed ones when `limit` cut the list. */
  readonly total: number;
  readonly listed: number;
  readonly groups: CauseGroup[];
}

/** One dead letter in full. */
export interface DeadLetterDetail extends DeadLetterItem {
  readonly queue: string;
  readonly reason: { readonly code: string; readonly message: string };
  /** The parsed envelope, or the raw body when it is not JSON. */
  readonly envelope: unknown;
}

/** The outcome of a replay or purge. */
export interface DeadLetterAction {
  readonly queue: string;
  readonly action: "replay" | "purge";
  readonly ids: string[];
  readonly count: number;
  readonly auditId: number;
}

/** Who asks, and through what (`cli` or `api`); both go into the audit log. */
export interface Operator {
  readonly actor: string;
  readonly channel: string;
}

/** Operator operations over the bus's dead letters; replays and purges are audited. */
export interface DeadLetterConsole {
  readonly queues: readonly string[];
  summary(): Promise<QueueSummary[]>;
  list(queue: string, options?: { readonly limit?: number }): Promise<DeadLetterListing>;
  /** `DEAD_LETTER_NOT_FOUND` (404) when the queue has no dead letter with that id. */
  show(queue: string, messageId: string): Promise<DeadLetterDetail>;
  replay(queue: string, selector: DeadLetterSelector, by: Operator): Promise<DeadLetterAction>;
  purge(queue: string, selector: DeadLetterSelector, by: Operator): Promise<DeadLetterAction>;
}
export interface DeadLetterConsoleDeps {
  readonly bus: Pick<Bus, "depth" | "deadLetters">;
  /** Where the audit log lives. */
  readonly pool: Pool;
  /** Queues operators may address, by logical name (the bus applies QUEUE_PREFIX); default every catalogued queue. */
  readonly queues?: readonly string[];
}

/** Builds the console over a bus (any transport) and the audit log in `pool`. */
export function createDeadLetterConsole(deps: DeadLetterConsoleDeps): DeadLetterConsole {
  const queues = deps.queues ?? QUEUE_NAMES;
  const known = (queue: string) => {
    if (!queues.includes(queue)) {
      throw new AppError("QUEUE_UNKNOWN", `there is no queue named ${queue}; expected one of ${queues.join(", ")}`, {
        status: 404,
        details: { queue, queues: [...queues] },
      });
    }
    return queue;
  };
  return {
    queues,
    summary: () => Promise.all(queues.map(async (queue) => ({ queue, ...(await deps.bus.depth(queue)) }))),
    async list(queue, options = {}) {
      known(queue);
      const [depth, letters] = await Promise.all([
        deps.bus.depth(queue),
        deps.bus.deadLetters.list(queue, { limit: options.limit ?? 100 }),
      ]);
      return { queue, total: Math.max(depth.deadLettered, letters.length), listed: letters.length, groups: groupByCause(letters) };
    },
    async show(queue, messageId) {
      const letter = await deps.bus.deadLetters.get(known(queue), messageId);
      if (letter === undefined) {
        throw new AppError("DEAD_LETTER_NOT_FOUND", `queue ${queue} has no dead letter ${messageId}`, {
          status: 404,
          details: { queue, messageId },
        });
      }
      return { ...item(letter), queue, reason: letter.reason, envelope: parseBody(letter.body) };
    },
    replay: (queue, selector, by) => audited(deps, "replay", known(queue), selector, by),
    purge: (queue, selector, by) => audited(deps, "purge", known(queue), selector, by),
  };
}

/** Runs a replay or purge and records it, with its outcome, whether it worked or not. */
async function audited(
  deps: DeadLetterConsoleDeps,
  action: "replay" | "purge",
  queue: string,
  selector: DeadLetterSelector,
  by: Operator,
): Promise<DeadLetterAction> {
  const audit = (outcome: "ok" | "failed", details: Record<string, unknown>) =>
    recordAudit(deps.pool, {
      actor: by.actor,
      action: `dead-letters.${action}`,
      target: `queue:${queue}`,
      details: { channel: by.channel, selector, ...details },
      outcome,
    });
  let ids: string[];
  try {
    ids = await deps.bus.deadLetters[action](queue, selector);
  } catch (error) {
    await audit("failed", { error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  const auditId = await audit("ok", { ids, count: ids.length });
  return { queue, action, ids, count: ids.length, auditId };
}

function groupByCause(letters: readonly DeadLetter[]): CauseGroup[] {
  const groups = new Map<string, { code: string; message: string; messages: DeadLetterItem[] }>();
  for (const letter of letters) {
    const key = `${letter.reason.code}\u0000${letter.reason.message}`;
    const group = groups.get(key) ?? { code: letter.reason.code, message: letter.reason.message, messages: [] };
    group.messages.push(item(letter));
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((group) => ({ ...group, count: group.messages.length }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

function item(letter: DeadLetter): DeadLetterItem {
  const envelope = parseBody(letter.body);
  const type = typeof envelope === "object" && envelope !== null ? (envelope as { type?: unknown }).type : undefined;
  return {
    messageId: letter.messageId,
    type: typeof type === "string" ? type : undefined,
    attempts: letter.attempts,
    firstFailedAt: letter.firstFailedAt,
    lastFailedAt: letter.lastFailedAt,
  };
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}
