import { readFile, readdir, readlink, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";

const SETTLE_TIMEOUT_MS = 30_000;

/** The postmaster PID recorded in `pgdata/postmaster.pid`, if the file is there and readable. */
export async function postmasterPid(pgdata: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(pgdata, "postmaster.pid"), "utf8");
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.split("\n", 1)[0] ?? "", 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** True while a process with this PID exists (zombies included: they are not reaped yet). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Makes a `postmaster.pid` left by a killed run harmless before PostgreSQL reads it.
 * PostgreSQL itself ignores a lock whose PID is dead, but not one whose PID has since been
 * reused by another process (common after a container restart), and it refuses to start
 * while children of the killed postmaster still hold its shared memory. Every server
 * process keeps the data directory as its working directory, which tells them apart.
 * A postmaster orphaned by a killed parent (re-parented to PID 1) is shut down; one that
 * still has a live parent belongs to someone else, and starting is refused.
 */
export async function clearStaleLock(pgdata: string, logger: Logger): Promise<void> {
  const pid = await postmasterPid(pgdata);
  const holders = await processesIn(pgdata);
  if (holders === undefined) return;
  if (pid !== undefined && holders.includes(pid)) {
    if ((await parentOf(pid)) !== 1) {
      throw new AppError("EMBEDDED_POSTGRES_RUNNING", `PostgreSQL (PID ${pid}) is already running on ${pgdata}`, {
        details: { pid, pgdata },
      });
    }
    logger.warn({ pid, pgdata }, "shutting down PostgreSQL orphaned by an earlier run");
    process.kill(pid, "SIGINT");
  }
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let remaining = holders;
  while (remaining.length > 0) {
    if (Date.now() > deadline) {
      throw new AppError("EMBEDDED_POSTGRES_RUNNING", `processes ${remaining.join(", ")} still use ${pgdata}`, {
        details: { pids: remaining, pgdata },
      });
    }
    await sleep(50);
    remaining = (await processesIn(pgdata)) ?? [];
  }
  if (pid !== undefined) {
    logger.warn({ pid, pgdata }, "removing stale postmaster.pid");
    await rm(join(pgdata, "postmaster.pid"), { force: true });
  }
}

/** PIDs whose working directory is `dir`; undefined where /proc cannot tell (not Linux). */
async function processesIn(dir: string): Promise<number[] | undefined> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return undefined;
  }
  const pids = entries.filter((entry) => /^\d+$/.test(entry));
  const cwds = await Promise.all(pids.map((pid) => readlink(`/proc/${pid}/cwd`).catch(() => "")));
  return pids.filter((_, index) => cwds[index] === dir).map(Number);
}

async function parentOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // The command name in parentheses may hold spaces; the fields after its closing one do not.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[1]);
  } catch {
    return undefined;
  }
}
