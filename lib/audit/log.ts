import type { Pool, PoolClient } from "../db/index.ts";

/**
 * The audit log (table `audit_log`, migration 0001): who did what to which target, when, and
 * how it ended. Operator actions (dead-letter replays and purges, flag changes, transformation
 * script versions) are written here, inside the transaction of the change when there is one.
 */

/** Anything that runs a query: a pool, or a client inside a transaction. */
export type Queryable = Pool | PoolClient;

/** How an audited action ended. */
export const AUDIT_OUTCOMES = ["ok", "failed"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** One action to record. */
export interface AuditEntry {
  /** Who: a token subject, `api-key:<name>`, or the operator's login for the CLI. */
  readonly actor: string;
  /** What, as `area.verb`, such as `dead-letters.replay`. */
  readonly action: string;
  /** On what, such as `queue:ocr` or `flag:DataTransformationFeature`. */
  readonly target: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly outcome: AuditOutcome;
}

/** A recorded entry with its id and time. */
export interface AuditRecord extends AuditEntry {
  readonly id: number;
  readonly at: Date;
}

/** Appends one entry; returns its id. */
export async function recordAudit(db: Queryable, entry: AuditEntry): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    "insert into audit_log (actor, action, target, details, outcome) values ($1, $2, $3, $4, $5) returning id",
    [entry.actor, entry.action, entry.target, JSON.stringify(entry.details), entry.outcome],
  );
  return Number(rows[0]?.id);
}

/** Entries whose action starts with `actionPrefix`, oldest first. */
export async function readAudit(db: Queryable, actionPrefix: string, options: { limit?: number } = {}): Promise<AuditRecord[]> {
  const { rows } = await db.query<{
    id: string;
    at: Date;
    actor: string;
    action: string;
    target: string;
    details: Record<string, unknown>;
    outcome: AuditOutcome;
  }>(
    `select id, at, actor, action, target, details, outcome from audit_log
      where starts_with(action, $1) order by id limit $2`,
    [actionPrefix, options.limit ?? 1000],
  );
  return rows.map((row) => ({ ...row, id: Number(row.id) }));
}
