import type { PoolClient } from "../db/index.ts";
import { describeError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import { latestBackupTime, pruneBackups } from "./catalog.ts";
import { createBackup } from "./create.ts";
import type { BackupSource } from "./create.ts";

/** Settings of {@link startBackupSchedule}; the source's pool needs at least two connections. */
export interface BackupScheduleOptions extends BackupSource {
  readonly logger: Logger;
  /** Length of a slot: one backup per slot. Default one hour (BACKUP_INTERVAL_MS). */
  readonly intervalMs?: number;
  /** Complete backups kept. Default 48 (BACKUP_RETAIN). */
  readonly retain?: number;
  /** How often each process looks for a slot without a backup. Default a quarter slot, at most a minute. */
  readonly checkEveryMs?: number;
  /** Told what each check found: the metrics and the notifier listen here. */
  readonly observers?: readonly BackupObserver[];
}

/**
 * Hears the outcome of each check. A replica that finds the lock taken reports nothing:
 * it learned nothing about the newest backup.
 */
export interface BackupObserver {
  /** The newest complete backup after a check that made one or found the slot covered; undefined when there is none. */
  latest(createdAt: Date | undefined): void;
  /** A check whose backup (or listing) failed. */
  failed(error: unknown): void;
}

/** What one check did. */
export type ScheduleTick = "created" | "up-to-date" | "locked-elsewhere" | "failed";

/** A running schedule. */
export interface BackupSchedule {
  /** Runs one check now, as the timer would. */
  tick(): Promise<ScheduleTick>;
  /** Stops the timer and waits for a backup in progress to finish. */
  stop(): Promise<void>;
}

const LOCK_KEY = "warranty-hub.backup-schedule";
const DEFAULT_INTERVAL_MS = 60 * 60 * 1000;
const DEFAULT_RETAIN = 48;

/**
 * Backs the database up once per slot of `intervalMs` (slots are aligned to the epoch, so
 * hourly backups land just after each full hour). Every replica of the worker runs this;
 * a session advisory lock lets one check at a time, and the check skips a slot that already
 * has a backup, so N replicas still make one backup per slot. The first check comes after
 * `checkEveryMs`, not at start-up, so restarts do not pile up backups.
 */
export function startBackupSchedule(options: BackupScheduleOptions): BackupSchedule {
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const checkEveryMs = options.checkEveryMs ?? Math.min(Math.ceil(intervalMs / 4), 60_000);
  const retain = options.retain ?? DEFAULT_RETAIN;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<ScheduleTick> | undefined;
  let stopped = false;
  let failures = 0;
  const tick = (): Promise<ScheduleTick> => {
    running ??= checkSlot(options, intervalMs, retain).then((outcome) => {
      failures = outcome === "failed" ? failures + 1 : 0;
      running = undefined;
      return outcome;
    });
    return running;
  };
  // A backup that keeps failing (no suitable pg_dump, storage down) is retried less and less
  // often, up to a quarter slot, so it still gets several tries per slot without flooding the log.
  const delay = () => Math.min(checkEveryMs * 2 ** failures, Math.max(checkEveryMs, intervalMs / 4));
  const arm = () => {
    if (stopped) return;
    timer = setTimeout(() => void tick().then(arm), delay());
  };
  arm();
  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

async function checkSlot(options: BackupScheduleOptions, intervalMs: number, retain: number): Promise<ScheduleTick> {
  const now = (options.now ?? (() => new Date()))().getTime();
  const slotStart = Math.floor(now / intervalMs) * intervalMs;
  let client: PoolClient | undefined;
  let broken: Error | undefined;
  try {
    client = await options.pool.connect();
    if (!(await tryLock(client))) return "locked-elsewhere";
    try {
      const latest = await latestBackupTime(options);
      for (const observer of options.observers ?? []) observer.latest(latest);
      if (latest !== undefined && latest.getTime() >= slotStart) return "up-to-date";
      const manifest = await createBackup(options);
      for (const observer of options.observers ?? []) observer.latest(new Date(manifest.createdAt));
      const pruned = await pruneBackups(options, retain);
      if (pruned.length > 0) options.logger.info({ pruned }, "old backups deleted");
      return "created";
    } finally {
      await client.query("select pg_advisory_unlock(hashtext($1))", [LOCK_KEY]);
    }
  } catch (error) {
    if (client !== undefined) broken = error instanceof Error ? error : new Error(String(error));
    options.logger.error({ err: error, code: describeError(error).code }, "scheduled backup failed");
    for (const observer of options.observers ?? []) observer.failed(error);
    return "failed";
  } finally {
    // A connection whose unlock may have failed is dropped, which releases the lock too.
    client?.release(broken);
  }
}

async function tryLock(client: PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>("select pg_try_advisory_lock(hashtext($1)) as locked", [
    LOCK_KEY,
  ]);
  return rows[0]?.locked === true;
}
