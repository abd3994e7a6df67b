export type { AuditEntry, AuditOutcome, AuditRecord, Queryable } from "./log.ts";
export { AUDIT_OUTCOMES, readAudit, recordAudit } from "./log.ts";
