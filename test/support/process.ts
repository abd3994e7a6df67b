import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root, for spawning the CLI and service entry points. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A child process with its output collected as it arrives. */
export interface RunningChild {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the exit code (or 128 + signal number style `null` → -1). */
  readonly exited: Promise<number>;
}

/**
 * Runs `script` (a path under the repo) with this Node and exactly `env` plus PATH and HOME,
 * so nothing from the test runner's environment leaks into the configuration under test.
 */
export function runScript(script: string, args: readonly string[], env: Record<string, string>): RunningChild {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** The JSON log lines a child printed, parsed. */
export function logLines(output: string): Array<Record<string, unknown>> {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * True once `pid` has exited. A killed orphan waits as a zombie until whatever adopted it
 * reaps it, which a container's PID 1 may never do, so a zombie counts as gone.
 */
export function hasExited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}
