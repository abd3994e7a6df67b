import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { arch, platform } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { AppError } from "../errors/index.ts";
import { rootUnshare } from "./unprivileged.ts";

/** The last lines PostgreSQL printed, for the details of a failure. */
export interface LogTail {
  readonly lines: string[];
  /** A plain function, so it can be handed to a stream as its listener. */
  readonly push: (text: string) => void;
}

/** A postmaster this process spawned. */
export interface Postmaster {
  readonly pid: number;
  /** Fast shutdown (SIGINT); resolves once the process has exited. */
  stop(): Promise<void>;
}

const LOG_TAIL_LINES = 40;
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

/** Keeps the last 40 lines of everything pushed, and passes each chunk on to `forward`. */
export function createLogTail(forward: (text: string) => void): LogTail {
  const lines: string[] = [];
  return {
    lines,
    push(text) {
      const trimmed = text.trimEnd();
      if (trimmed === "") return;
      lines.push(...trimmed.split("\n"));
      lines.splice(0, Math.max(0, lines.length - LOG_TAIL_LINES));
      forward(trimmed);
    },
  };
}

/**
 * Runs `initdb` on the empty `pgdata`: scram-sha-256 for everyone, superuser `user` with the
 * password read from `passwordFile`, UTF-8, and messages in English so logs read the same
 * for every operator.
 */
export async function initialise(settings: {
  pgdata: string;
  user: string;
  passwordFile: string;
  log: LogTail;
}): Promise<void> {
  const locale = await utf8Locale();
  const args = [`--pgdata=${settings.pgdata}`, "--auth=scram-sha-256", `--username=${settings.user}`];
  args.push(`--pwfile=${settings.passwordFile}`, "--encoding=UTF8", `--locale=${locale}`, "--lc-messages=C");
  const child = await spawnPostgresBinary("initdb", args);
  child.stdout?.setEncoding("utf8").on("data", settings.log.push);
  child.stderr?.setEncoding("utf8").on("data", settings.log.push);
  const [code, signal] = await exitOf(child, "close");
  if (code !== 0) {
    throw new AppError("EMBEDDED_POSTGRES_START_FAILED", `initdb exited with ${code ?? signal}: ${lastLine(settings.log)}`, {
      details: { pgdata: settings.pgdata },
    });
  }
}

/**
 * Starts the postmaster on 127.0.0.1:`port`, TCP only (no socket lock files in /tmp to
 * collide with other servers), in its own process group so a Ctrl-C in the terminal
 * reaches this process, which drains its work before stopping the server. Resolves once
 * `postmaster.pid` says it accepts connections.
 */
export async function startPostmaster(settings: { pgdata: string; port: number; log: LogTail }): Promise<Postmaster> {
  const args = ["-D", settings.pgdata, "-p", String(settings.port)];
  args.push("-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=");
  const child = await spawnPostgresBinary("postgres", args, { detached: true });
  child.stderr?.setEncoding("utf8").on("data", settings.log.push);
  // "exit", not "close": server processes of a killed postmaster may hold its stderr a while longer.
  const exited = exitOf(child, "exit");
  const pid = child.pid ?? 0;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGQUIT"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await readyIn(settings.pgdata, pid))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await exited;
      throw new AppError("EMBEDDED_POSTGRES_START_FAILED", `postgres exited at start-up: ${lastLine(settings.log)}`, {
        details: { pgdata: settings.pgdata, port: settings.port },
      });
    }
    if (Date.now() > deadline) {
      await stop();
      throw new AppError("EMBEDDED_POSTGRES_START_FAILED", `postgres was not ready within ${READY_TIMEOUT_MS} ms`, {
        details: { pgdata: settings.pgdata, port: settings.port },
      });
    }
    await sleep(50);
  }
  return { pid, stop };
}

/** The status line of postmaster.pid is "ready" once the server accepts connections. */
async function readyIn(pgdata: string, pid: number): Promise<boolean> {
  const text = await readFile(join(pgdata, "postmaster.pid"), "utf8").catch(() => "");
  const lines = text.split("\n");
  return Number(lines[0]) === pid && lines[7]?.trim() === "ready";
}

/**
 * Spawns a binary of the `@embedded-postgres/<platform>-<arch>` package. PostgreSQL refuses
 * to run as root; as root it runs in a user namespace where it is an ordinary user, while
 * the kernel still sees root, so it can reach a data directory inside root's private home.
 */
async function spawnPostgresBinary(
  name: "initdb" | "postgres",
  args: string[],
  options: { detached?: boolean } = {},
): Promise<ChildProcess> {
  const binary = await binaryPath(name);
  const wrapper = process.getuid?.() === 0 ? await rootUnshare() : [];
  const [command = binary, ...rest] = [...wrapper, binary, ...args];
  const child = spawn(command, rest, {
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
    env: { ...process.env, LC_MESSAGES: "C" },
  });
  // Without a listener a failed spawn (EACCES, ENOENT) would be thrown as an uncaught exception.
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  await spawned.catch((error: unknown) => {
    throw new AppError("EMBEDDED_POSTGRES_START_FAILED", `cannot run ${binary}: ${(error as Error).message}`, { cause: error });
  });
  return child;
}

/** Where `npm ci` put the binaries for this machine (an optional dependency of embedded-postgres). */
async function binaryPath(name: "initdb" | "postgres"): Promise<string> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let binaries: Record<string, unknown>;
  try {
    binaries = (await import(pkg)) as Record<string, unknown>;
  } catch (error) {
    throw new AppError("EMBEDDED_POSTGRES_START_FAILED", `no PostgreSQL binaries for ${platform()}-${arch()} (${pkg} is not installed); set DATABASE_URL`, {
      cause: error,
    });
  }
  const path = binaries[name];
  if (typeof path !== "string") throw new AppError("EMBEDDED_POSTGRES_START_FAILED", `${pkg} names no ${name} binary`);
  return path;
}

/** C.UTF-8 where the C library has it (it sorts like C and knows the case of every letter), else C. */
async function utf8Locale(): Promise<string> {
  const { stdout } = await promisify(execFile)("locale", ["-a"], { encoding: "utf8" }).catch(() => ({ stdout: "" }));
  const available = new Set(stdout.split("\n").map((line) => line.trim().toLowerCase()));
  return available.has("c.utf8") || available.has("c.utf-8") ? "C.UTF-8" : "C";
}

function exitOf(child: ChildProcess, event: "exit" | "close"): Promise<[number | null, NodeJS.Signals | null]> {
  const over = event === "exit" && (child.exitCode !== null || child.signalCode !== null);
  if (over) return Promise.resolve([child.exitCode, child.signalCode]);
  return new Promise((resolve) => child.once(event, (code: number | null, signal: NodeJS.Signals | null) => resolve([code, signal])));
}

/** The last line saying what went wrong; the lines after it are usually the shutdown that followed. */
function lastLine(log: LogTail): string {
  const problems = log.lines.filter((line) => /\b(FATAL|PANIC|ERROR|error):/.test(line));
  return (problems.at(-1) ?? log.lines.at(-1) ?? "no output").trim();
}
