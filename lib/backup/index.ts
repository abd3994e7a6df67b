/**
 * Database backups to blob storage and restores from them: create, verify, list, prune, choose,
 * restore and the schedule that runs them, plus the pg_dump/pg_restore tools they need.
 */

export { BACKUP_CONTAINER, KEY_TABLES, timeOfId } from "./manifest.ts";
export type { BackupManifest } from "./manifest.ts";
export { createBackup } from "./create.ts";
export type { BackupSource } from "./create.ts";
export { verifyBackup } from "./verify.ts";
export type { BackupStoreRef, VerifyResult } from "./verify.ts";
export { RPO_MS, latestBackupTime, listBackups, pruneBackups } from "./catalog.ts";
export type { BackupSummary, ListOptions } from "./catalog.ts";
export { chooseBackup, formatDuration } from "./choose.ts";
export type { BackupChoice } from "./choose.ts";
export { cutoverSteps, restoreBackup, validateRestore } from "./restore.ts";
export type { RestoreCheck, RestoreReport } from "./restore.ts";
export { databaseName, prepareTarget, withDatabase } from "./target.ts";
export type { PreparedTarget } from "./target.ts";
export { startBackupSchedule } from "./schedule.ts";
export type { BackupObserver, BackupSchedule, BackupScheduleOptions, ScheduleTick } from "./schedule.ts";
export { backupToolsCheck, checkBackupTools, findPgTool, parseToolMajor } from "./tools.ts";
export type { BackupTools, PgTool, PgToolName, ToolSearch } from "./tools.ts";
export { splitPassword } from "./child.ts";
