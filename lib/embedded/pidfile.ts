import { readFile, readdir, readlink, rm } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import { isOrphan } from "./owner.ts";

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

/**
 * Makes a `postmaster.pid` left by a killed run harmless before PostgreSQL reads it.
 * PostgreSQL itself ignores a lock whose PID is dead, but not one whose PID has since been
 * reused by another process (common after a container restart), and it refuses to start
 * while children of the killed postmaster still hold its shared memory. Every server
 * process keeps the data directory as its working directory, which tells them apart.
 * A postmaster that outlived the process which spawned it (see `ownerFile`) is shut down;
 * one whose owner still runs is in use, and starting is refused.
 */
export async function clearStaleLock(pgdata: string, ownerFile: string, logger: Logger): Promise<void> {
  const pid = await postmasterPid(pgdata);
  const holders = await processesIn(pgdata);
  if (holders === undefined) return;
  if (pid !== undefined && holders.includes(pid)) {
    if (!(await isOrphan(ownerFile, pid))) {
      throw new AppError("EMBEDDED_POSTGRES_RUNNING", `PostgreSQL (PID ${pid}) already runs on ${pgdata} for another process; stop it or use another DATA_DIR`, {
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
