import type { Page } from "../db/index.ts";
import { CURSOR_PART, decodeCursor, pageOf } from "../db/index.ts";
import type { AuditOutcome, Queryable } from "./log.ts";

/** Which entries {@link listAudit} returns; filters combine with AND. */
export interface AuditFilter {
  /** Entries whose action starts with this, such as `dead-letters.` or `flag.set`. */
  readonly action?: string;
  readonly actor?: string;
  /** Entries whose target starts with this, such as `queue:ocr`. */
  readonly target?: string;
  readonly cursor?: string;
  readonly limit: number;
}

/** One entry as the API shows it. */
export interface AuditView {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly details: Record<string, unknown>;
  readonly outcome: AuditOutcome;
}

/** Entries newest first, a page at a time: the id orders them, as it is assigned on insert. */
export async function listAudit(db: Queryable, filter: AuditFilter): Promise<Page<AuditView>> {
  const [before] = filter.cursor === undefined ? [null] : decodeCursor(filter.cursor, [CURSOR_PART.bigint]);
  const { rows } = await db.query<Omit<AuditView, "at"> & { at: Date }>(
    `select id::text as id, at, actor, action, target, details, outcome from audit_log
      where ($1::text is null or starts_with(action, $1))
        and ($2::text is null or actor = $2)
        and ($3::text is null or starts_with(target, $3))
        and ($4::bigint is null or id < $4::bigint)
      order by id desc
      limit $5`,
    [filter.action ?? null, filter.actor ?? null, filter.target ?? null, before, filter.limit + 1],
  );
  return pageOf(
    rows,
    filter.limit,
    (r) => [r.id],
    (r) => ({ ...r, at: r.at.toISOString() }),
  );
}
