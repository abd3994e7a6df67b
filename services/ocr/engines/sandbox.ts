import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AppError } from "../../../lib/errors/index.ts";
import { OCR_ERROR_CODES, transient } from "./errors.ts";
import type { SandboxRequest, SandboxResponse, SandboxText } from "./sandbox-protocol.ts";

/** Bounds of the sandbox process. */
export interface SandboxOptions {
  /** Wall time for one job; past it the process is killed and the job fails as retryable. */
  readonly timeoutMs: number;
  /** V8 heap limit of the process (`--max-old-space-size`). */
  readonly memoryMb: number;
}

/** A job without its id; the sandbox numbers jobs itself. */
export type SandboxJob = Omit<SandboxRequest, "id">;

/** A long-lived child process that parses and OCRs untrusted files one at a time. */
export interface Sandbox {
  run(job: SandboxJob, signal: AbortSignal): Promise<SandboxText>;
  /** Stops the process; a later `run` starts a new one. */
  close(): Promise<void>;
}

const STDERR_TAIL = 4096;

/**
 * Starts the sandbox lazily on the first job and keeps it warm (the OCR model takes a while
 * to load). A crash, a timeout or an abort kills the process; the next job starts a fresh one.
 * Jobs run one after another so one document's time limit is never spent waiting for another.
 */
export function createSandbox(options: SandboxOptions): Sandbox {
  let child: SandboxProcess | undefined;
  let nextId = 1;
  let queue: Promise<unknown> = Promise.resolve();
  const runOne = (job: SandboxJob, signal: AbortSignal) => {
    if (signal.aborted) return Promise.reject(aborted(signal));
    const current = (child ??= spawnSandbox(options.memoryMb));
    const forget = () => {
      if (child === current) child = undefined;
    };
    return exchange(current, { ...job, id: nextId++ }, signal, options.timeoutMs, forget);
  };
  return {
    run(job, signal) {
      const result = queue.then(() => runOne(job, signal));
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      const target = child?.process;
      child = undefined;
      if (!target || target.exitCode !== null || target.signalCode !== null) return;
      const exited = new Promise((resolve) => target.once("exit", resolve));
      // Hold the event loop until the process is gone, or a caller's exit could leave it behind.
      target.ref();
      target.kill("SIGKILL");
      await exited;
    },
  };
}

interface SandboxProcess {
  readonly process: ChildProcess;
  /** The end of what the process wrote to stderr, for crash reports. */
  stderr(): string;
}

function spawnSandbox(memoryMb: number): SandboxProcess {
  const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
  const child = fork(fileURLToPath(new URL(`./sandbox-child.${ext}`, import.meta.url)), [], {
    execArgv: [`--max-old-space-size=${memoryMb}`],
    serialization: "advanced",
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_TAIL);
  });
  // The service may exit while the sandbox idles; pending jobs hold the event loop through their timers.
  child.unref();
  child.channel?.unref();
  return { process: child, stderr: () => stderr };
}

/** Sends one request and settles on its response, the process's exit, the time limit or an abort. */
function exchange(
  sandbox: SandboxProcess,
  request: SandboxRequest,
  signal: AbortSignal,
  timeoutMs: number,
  forget: () => void,
): Promise<SandboxText> {
  const { process: child } = sandbox;
  return new Promise<SandboxText>((resolve, reject) => {
    const kill = () => {
      forget();
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    const finish = (error: AppError | undefined, result?: SandboxText) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (error) reject(error);
      else if (result) resolve(result);
    };
    const onMessage = (response: SandboxResponse) => {
      if (response.id !== request.id) return;
      if (response.ok) return finish(undefined, response.result);
      const { code, message, retryable } = response.error;
      finish(new AppError(code, message, { retryable, status: retryable ? 503 : 422 }));
    };
    const onExit = (code: number | null, signalName: string | null) => {
      forget();
      const detail = sandbox.stderr().trim().slice(-500);
      finish(transient(OCR_ERROR_CODES.engineCrashed, `OCR sandbox exited (${signalName ?? `code ${code}`}): ${detail}`));
    };
    const onAbort = () => {
      kill();
      finish(aborted(signal));
    };
    const timer = setTimeout(() => {
      kill();
      finish(transient(OCR_ERROR_CODES.timeout, `OCR did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("message", onMessage);
    child.once("exit", onExit);
    signal.addEventListener("abort", onAbort, { once: true });
    child.send(request);
  });
}

function aborted(signal: AbortSignal): AppError {
  return new AppError(OCR_ERROR_CODES.aborted, "OCR was aborted", { retryable: true, status: 503, cause: signal.reason });
}
