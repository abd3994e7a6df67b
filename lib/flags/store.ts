import { recordAudit } from "../audit/index.ts";
import type { Pool } from "../db/index.ts";
import { withTransaction } from "../db/index.ts";
import { AppError } from "../errors/index.ts";
import type { Notifier } from "../notify/index.ts";

/** The flag that guards per-brand transformation scripts on imports (SEQ-OF-004). */
export const DATA_TRANSFORMATION_FLAG = "DataTransformationFeature";

/** A flag as stored. */
export interface Flag {
  readonly name: string;
  readonly enabled: boolean;
  readonly description: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** A flag change, with the value before it. */
export interface FlagChange {
  readonly flag: Flag;
  readonly previous: boolean;
}

/** Reads and changes flags in the `feature_flags` table; every change is audited. */
export interface FlagStore {
  list(): Promise<Flag[]>;
  /** Undefined for a flag that does not exist. */
  get(name: string): Promise<Flag | undefined>;
  /**
   * Sets `enabled` and writes `flag.set` to the audit log (who, old and new value) in the
   * same transaction. `FLAG_NOT_FOUND` (404) for an unknown flag: flags come with migrations.
   */
  set(name: string, enabled: boolean, actor: string, context?: Readonly<Record<string, unknown>>): Promise<FlagChange>;
}

interface FlagRow {
  name: string;
  enabled: boolean;
  description: string;
  updated_at: Date;
  updated_by: string;
}

const COLUMNS = "name, enabled, description, updated_at, updated_by";

/**
 * A store over the platform database. With a notifier, every committed change is announced
 * (`flag-change`), whichever way it was made: API, API key or CLI.
 */
export function createFlagStore(pool: Pool, options: { readonly notifier?: Notifier } = {}): FlagStore {
  const announce = async (change: FlagChange, actor: string, context: Readonly<Record<string, unknown>>): Promise<void> => {
    const onOff = (value: boolean) => (value ? "on" : "off");
    await options.notifier?.notify({
      event: "flag-change",
      status: "succeeded",
      summary: `${change.flag.name} switched ${onOff(change.previous)} -> ${onOff(change.flag.enabled)} by ${actor}`,
      actor,
      details: { flag: change.flag.name, old: change.previous, new: change.flag.enabled, ...context },
    });
  };
  return {
    async list() {
      const { rows } = await pool.query<FlagRow>(`select ${COLUMNS} from feature_flags order by name`);
      return rows.map(toFlag);
    },
    async get(name) {
      const { rows } = await pool.query<FlagRow>(`select ${COLUMNS} from feature_flags where name = $1`, [name]);
      return rows[0] === undefined ? undefined : toFlag(rows[0]);
    },
    async set(name, enabled, actor, context = {}) {
      const change = await withTransaction(pool, async (client) => {
        const before = await client.query<{ enabled: boolean }>(
          "select enabled from feature_flags where name = $1 for update",
          [name],
        );
        const previous = before.rows[0]?.enabled;
        if (previous === undefined) {
          throw new AppError("FLAG_NOT_FOUND", `there is no feature flag named ${name}`, { status: 404, details: { name } });
        }
        const { rows } = await client.query<FlagRow>(
          `update feature_flags set enabled = $2, updated_at = now(), updated_by = $3 where name = $1 returning ${COLUMNS}`,
          [name, enabled, actor],
        );
        await recordAudit(client, {
          actor,
          action: "flag.set",
          target: `flag:${name}`,
          details: { ...context, old: previous, new: enabled },
          outcome: "ok",
        });
        return { flag: toFlag(rows[0] as FlagRow), previous };
      });
      await announce(change, actor, context);
      return change;
    },
  };
}

function toFlag(row: FlagRow): Flag {
  return {
    name: row.name,
    enabled: row.enabled,
    description: row.description,
    updatedAt: row.updated_at.toISOString(),
    updatedBy: row.updated_by,
  };
}
