import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import { accepts, freePort, isFree } from "./net.ts";

/** A running Azurite blob service and how to reach it. */
export interface RunningAzurite {
  /** Uses Azurite's well-known development account and key. */
  readonly connectionString: string;
  readonly port: number;
  /** Terminates the process and waits for it to exit. */
  stop(): Promise<void>;
}

/** Where and how to run Azurite; without `location` (or with `inMemory`) nothing is written to disk. */
export interface AzuriteOptions {
  readonly location?: string;
  /** 0 picks a free port. Defaults to 0. */
  readonly port?: number;
  readonly inMemory?: boolean;
  readonly logger: Logger;
  /** How long to wait for it to accept connections. Defaults to 30 s. */
  readonly startTimeoutMs?: number;
}

/** Azurite's published development account; it is public, not a secret. */
const ACCOUNT = "devstoreaccount1";
const ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const STOP_GRACE_MS = 5_000;
const STDERR_LIMIT = 8_192;

/** Starts the `azurite-blob` installed in node_modules, with the Node running this process. */
export async function startAzurite(options: AzuriteOptions): Promise<RunningAzurite> {
  const port = options.port === undefined || options.port === 0 ? await freePort() : options.port;
  // Otherwise whatever already listens there would pass for Azurite having started.
  if (!(await isFree(port))) {
    throw new AppError("AZURITE_START_FAILED", `port ${port} on 127.0.0.1 is already in use`, { details: { port } });
  }
  // Azurite creates the location itself, and reports on stderr when it cannot.
  const storage =
    options.inMemory || options.location === undefined
      ? ["--inMemoryPersistence"]
      : ["--location", options.location];
  const args = [await azuriteBlobBin(), "--blobHost", "127.0.0.1", "--blobPort", String(port)];
  args.push("--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry", ...storage);
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_LIMIT);
  });
  child.once("error", (error) => {
    stderr += `\n${error.message}`;
  });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  try {
    await waitUntilListening(child, exited, port, options.startTimeoutMs ?? 30_000, () => stderr);
  } catch (error) {
    await terminate(child, exited);
    throw error;
  }
  options.logger.info({ port, location: options.location ?? "memory" }, "azurite started");
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${port}/${ACCOUNT};`,
    port,
    async stop() {
      await terminate(child, exited);
      options.logger.info({ port }, "azurite stopped");
    },
  };
}

async function waitUntilListening(
  child: ChildProcess,
  exited: Promise<void>,
  port: number,
  timeoutMs: number,
  stderr: () => string,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      // "close" comes after the last of stderr has been read.
      await exited;
      throw new AppError("AZURITE_START_FAILED", `azurite exited before listening on ${port}: ${stderr()}`, {
        details: { port, exitCode: child.exitCode, signal: child.signalCode },
      });
    }
    if (await accepts(port)) return;
    if (Date.now() > deadline) {
      throw new AppError("AZURITE_START_FAILED", `azurite did not listen on ${port} within ${timeoutMs} ms: ${stderr()}`, {
        details: { port },
      });
    }
    await sleep(50);
  }
}

/** SIGTERM, then SIGKILL if it will not go; resolves once the process is gone. */
async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

async function azuriteBlobBin(): Promise<string> {
  const manifest = createRequire(import.meta.url).resolve("azurite/package.json");
  const { bin } = JSON.parse(await readFile(manifest, "utf8")) as { bin?: Record<string, string> };
  const relative = bin?.["azurite-blob"];
  if (relative === undefined) {
    throw new AppError("AZURITE_START_FAILED", `${manifest} declares no azurite-blob executable`);
  }
  return join(dirname(manifest), relative);
}
