export type { AuditEntry, AuditOutcome, AuditRecord, Queryable } from "./log.ts";
export { AUDIT_OUTCOMES, readAudit, recordAudit } from "./log.ts";
export type { AuditFilter, AuditView } from "./list.ts";
export { listAudit } from "./list.ts";
