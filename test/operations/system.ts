import { freePort } from "../../lib/embedded/index.ts";
import { runScript } from "../support/process.ts";
import type { RunningChild } from "../support/process.ts";
import { waitFor } from "../support/wait.ts";

/** A service started the way a pod starts it: `node bin/warranty-hub.ts start <name>`. */
export interface StartedService {
  readonly name: string;
  /** Where /health and /metrics answer: PORT for the API, METRICS_PORT for a worker. */
  readonly port: number;
  readonly url: string;
  readonly run: RunningChild;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number>;
}

/**
 * Starts one service in its own process with exactly `env` (plus the port it serves on)
 * and waits until `/health/ready` answers 200. A process that exits first fails the wait
 * at once with its output.
 */
export async function startService(name: string, env: Record<string, string>, timeoutMs = 60_000): Promise<StartedService> {
  const port = await freePort();
  const portVariable = name === "api" || name === "all" ? "PORT" : "METRICS_PORT";
  const run = runScript("bin/warranty-hub.ts", ["start", name], { ...env, [portVariable]: String(port) });
  const url = `http://127.0.0.1:${port}`;
  const service: StartedService = {
    name,
    port,
    url,
    run,
    async stop() {
      if (run.child.exitCode === null) run.child.kill("SIGTERM");
      return run.exited;
    },
  };
  try {
    await waitFor(
      async () => {
        if (run.child.exitCode !== null) {
          throw new Error(`${name} exited with ${run.child.exitCode} before it was ready:\n${run.stderr()}\n${run.stdout()}`);
        }
        return (await fetch(`${url}/health/ready`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs, intervalMs: 100, what: `${name} to be ready` },
    );
  } catch (error) {
    await service.stop();
    throw error;
  }
  return service;
}

/** Runs a CLI command to its end; returns the exit code and what it printed. */
export async function runCli(args: readonly string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = runScript("bin/warranty-hub.ts", args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
