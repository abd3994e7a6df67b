import type { BackupObserver } from "../backup/index.ts";
import { describeError } from "../errors/index.ts";
import type { Notifier } from "./notifier.ts";

/**
 * Announces every failed scheduled backup (`backup-failure`). The schedule retries a failing
 * backup with growing pauses, up to a quarter slot, so this stays a handful of messages an
 * hour while the cause lasts; BackupRpoMissed pages once the RPO is actually at risk.
 */
export function backupFailureNotices(notifier: Notifier): BackupObserver {
  let newest: Date | undefined;
  return {
    latest(createdAt) {
      newest = createdAt;
    },
    failed(error) {
      const { code, message } = describeError(error);
      void notifier.notify({
        event: "backup-failure",
        status: "failed",
        summary: `scheduled backup failed: ${code}`,
        actor: "system",
        details: { code, message, newestBackup: newest?.toISOString() ?? "none" },
      });
    },
  };
}
