import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { AppError } from "../errors/index.ts";

let probed: Promise<string[]> | undefined;

/**
 * The command prefix that runs a program as an ordinary user inside a new user namespace,
 * for root. Inside, the program is that user (PostgreSQL accepts to run); outside, the kernel
 * still sees root, which owns and may enter root's private directories, so no other account
 * has to reach the data directory. Probed once; where the system refuses (no `unshare`, user
 * namespaces disabled, a container without the right), starting fails with one line saying
 * what to do.
 */
export function rootUnshare(): Promise<string[]> {
  probed ??= probe();
  return probed;
}

async function probe(): Promise<string[]> {
  // initdb looks its user up by ID, so the ID must name an account.
  const account = await unprivilegedAccount();
  const prefix = ["unshare", "--user", `--map-user=${account.uid}`, `--map-group=${account.gid}`];
  try {
    await promisify(execFile)(prefix[0] ?? "unshare", [...prefix.slice(1), "true"], { encoding: "utf8" });
  } catch (error) {
    const { code, stderr } = error as { code?: string | number; stderr?: string };
    const reason = code === "ENOENT" ? "unshare is not installed" : (stderr?.trim().split("\n")[0] ?? String(error));
    throw new AppError("EMBEDDED_POSTGRES_ROOT", `PostgreSQL cannot run as root here (${reason}); run as an ordinary user or set DATABASE_URL`, {
      cause: error,
    });
  }
  return prefix;
}

/** `nobody`, else the first account that is not root, from /etc/passwd. */
async function unprivilegedAccount(): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile("/etc/passwd", "utf8").catch(() => "");
  const accounts = passwd
    .split("\n")
    .map((line) => line.split(":"))
    .map(([name, , uid, gid]) => ({ name, uid: Number(uid), gid: Number(gid) }))
    .filter((a) => Number.isInteger(a.uid) && a.uid > 0 && Number.isInteger(a.gid));
  const account = accounts.find((a) => a.name === "nobody") ?? accounts[0];
  if (account === undefined) {
    throw new AppError("EMBEDDED_POSTGRES_ROOT", "PostgreSQL cannot run as root here (no other account in /etc/passwd); run as an ordinary user or set DATABASE_URL");
  }
  return { uid: account.uid, gid: account.gid };
}
