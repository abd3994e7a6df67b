import { readFile, rm, writeFile } from "node:fs/promises";

/**
 * A process as it can be told apart later: a PID alone is not enough, because after a
 * container restart the PID of a killed process is often reused by another one.
 */
export interface ProcessIdentity {
  readonly pid: number;
  /** Clock ticks after boot (field 22 of /proc/PID/stat); absent where /proc cannot tell. */
  readonly startTime?: number;
}

/** Who started a server kept under DATA_DIR: the server's PID and the process that spawned it. */
interface OwnerRecord {
  readonly pid: number;
  readonly owner: number;
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

/** This process, to be recorded where a later run looks for it. */
export async function currentProcess(): Promise<ProcessIdentity> {
  const startTime = await startTimeOf(process.pid);
  return startTime === undefined ? { pid: process.pid } : { pid: process.pid, startTime };
}

/** True while the process recorded as `identity` still runs (not a newer one with its PID). */
export async function isRunning(identity: ProcessIdentity): Promise<boolean> {
  if (!isAlive(identity.pid)) return false;
  if (identity.startTime === undefined) return true;
  const now = await startTimeOf(identity.pid);
  return now === undefined || now === identity.startTime;
}

/** The parent PID of `pid`, from /proc; undefined when it is gone or /proc cannot tell. */
export async function parentOf(pid: number): Promise<number | undefined> {
  const fields = await statFields(pid);
  return fields === undefined ? undefined : Number(fields[1]);
}

/** The command line of `pid`, one element per argument; empty when it cannot be read. */
export async function commandLineOf(pid: number): Promise<string[]> {
  const raw = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  return raw.split("\0").filter((part) => part !== "");
}

/** Records, in `file`, that this process spawned the server `pid`. */
export async function recordOwner(file: string, pid: number): Promise<void> {
  const record: OwnerRecord = { pid, owner: process.pid };
  await writeFile(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

/** Forgets the record once the server it names has stopped. */
export async function forgetOwner(file: string): Promise<void> {
  await rm(file, { force: true });
}

/**
 * True when the server `pid` outlived the process that spawned it: a killed parent's
 * children are re-parented (to PID 1 or a subreaper), so the parent no longer matches the
 * one recorded in `file`. Without a record for `pid` only a parent of 1 counts as orphaned.
 */
export async function isOrphan(file: string, pid: number): Promise<boolean> {
  const parent = await parentOf(pid);
  if (parent === undefined) return false;
  const record = await readOwnerRecord(file);
  return record?.pid === pid ? parent !== record.owner : parent === 1;
}

async function readOwnerRecord(file: string): Promise<OwnerRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(file, "utf8")) as Partial<OwnerRecord>;
    return typeof record.pid === "number" && typeof record.owner === "number"
      ? { pid: record.pid, owner: record.owner }
      : undefined;
  } catch {
    return undefined;
  }
}

async function startTimeOf(pid: number): Promise<number | undefined> {
  const fields = await statFields(pid);
  const value = Number(fields?.[19]);
  return Number.isFinite(value) ? value : undefined;
}

/** The fields of /proc/PID/stat after the command name, so field 4 (ppid) is index 1. */
async function statFields(pid: number): Promise<string[] | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // The command name in parentheses may hold spaces; the fields after its closing one do not.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}
