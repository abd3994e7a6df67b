import { AppError } from "../errors/index.ts";
import { RPO_MS } from "./catalog.ts";
import { BACKUP_CONTAINER, listIds } from "./manifest.ts";
import { verifyBackup } from "./verify.ts";
import type { BackupStoreRef, VerifyResult } from "./verify.ts";

/** The backup to restore: the requested one if it verifies, else the newest valid one before it. */
export interface BackupChoice {
  /** The id asked for (`latest` resolved to the newest backup's id). */
  readonly requested: string;
  /** Verified backup to restore; undefined when none verifies. */
  readonly chosen: VerifyResult | undefined;
  /** Backups that failed verification on the way, newest first. */
  readonly rejected: readonly VerifyResult[];
  /** True when `chosen` is not the one requested: the operator must accept it. */
  readonly fallback: boolean;
  /** Age of the chosen backup's data at `now`. */
  readonly ageMs: number | undefined;
  /** How far past the RPO the chosen backup is; 0 when within it. */
  readonly rpoMissMs: number;
  /** How much older the chosen backup is than the requested one. */
  readonly behindRequestedMs: number;
}

/**
 * Verifies `id` (or the newest backup for `latest`) and, when it is corrupt, walks back to
 * the newest older backup that verifies, stating how far behind it is and by how much it
 * misses the RPO. Fails with `BACKUP_NOT_FOUND` when there are no backups at all.
 */
export async function chooseBackup(
  store: BackupStoreRef,
  id: string,
  options: { readonly now?: Date; readonly rpoMs?: number } = {},
): Promise<BackupChoice> {
  const { complete } = await listIds(store.blob, store.container ?? BACKUP_CONTAINER);
  const requested = id === "latest" ? complete[0] : id;
  if (requested === undefined) throw new AppError("BACKUP_NOT_FOUND", "there are no backups", { status: 404 });
  const first = await verifyBackup(store, requested);
  const rejected: VerifyResult[] = [];
  let chosen: VerifyResult | undefined = first;
  if (!first.ok) {
    rejected.push(first);
    chosen = undefined;
    for (const older of complete.filter((candidate) => candidate < requested)) {
      const result = await verifyBackup(store, older);
      if (result.ok) {
        chosen = result;
        break;
      }
      rejected.push(result);
    }
  }
  const now = (options.now ?? new Date()).getTime();
  const ageMs = chosen === undefined ? undefined : now - Date.parse(chosen.manifest.createdAt);
  return {
    requested,
    chosen,
    rejected,
    fallback: chosen !== undefined && chosen.id !== requested,
    ageMs,
    rpoMissMs: ageMs === undefined ? 0 : Math.max(0, ageMs - (options.rpoMs ?? RPO_MS)),
    behindRequestedMs: chosen === undefined ? 0 : Date.parse(first.manifest.createdAt) - Date.parse(chosen.manifest.createdAt),
  };
}

/** `1 h 05 min`, `3 min 12 s`, `850 ms`: durations for operators. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(abs / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const text = h > 0 ? `${h} h ${String(m).padStart(2, "0")} min` : m > 0 ? `${m} min ${String(s).padStart(2, "0")} s` : `${s} s`;
  return ms < 0 ? `-${text}` : text;
}
