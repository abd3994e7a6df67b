/**
 * The append-only audit log: who did what privileged thing (dead-letter replays, flag changes,
 * script edits, migrations), and how it ended. A caller inside a transaction passes its client so
 * the entry commits with the act.
 */

export type { AuditEntry, AuditOutcome, AuditRecord, Queryable } from "./log.ts";
export { AUDIT_OUTCOMES, readAudit, recordAudit } from "./log.ts";
export type { AuditFilter, AuditView } from "./list.ts";
export { listAudit } from "./list.ts";
