import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import { accepts, freePort, isFree } from "./net.ts";
import { commandLineOf, forgetOwner, isOrphan, recordOwner } from "./owner.ts";

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

/**
 * Starts the `azurite-blob` installed in node_modules, with the Node running this process.
 * With a location, an Azurite left running there by a killed earlier run is stopped first.
 */
export async function startAzurite(options: AzuriteOptions): Promise<RunningAzurite> {
  const location = options.inMemory || options.location === undefined ? undefined : resolve(options.location);
  // Beside the location, not in it: Azurite owns what is inside.
  const ownerFile = location === undefined ? undefined : `${location}.owner.json`;
  if (location !== undefined && ownerFile !== undefined) await stopOrphans(location, ownerFile, options.logger);
  const port = options.port === undefined || options.port === 0 ? await freePort() : options.port;
  // Otherwise whatever already listens there would pass for Azurite having started.
  if (!(await isFree(port))) {
    throw new AppError("AZURITE_START_FAILED", `port ${port} on 127.0.0.1 is already in use; set AZURITE_PORT to a free port`, {
      details: { port },
    });
  }
  // Azurite creates the location itself, and reports on stderr when it cannot.
  const storage = location === undefined ? ["--inMemoryPersistence"] : ["--location", location];
  const args = [await azuriteBlobBin(), "--blobHost", "127.0.0.1", "--blobPort", String(port)];
  args.push("--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry", ...storage);
  // Its own process group: a Ctrl-C reaches only this process, which drains before stopping it.
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
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
  if (ownerFile !== undefined && child.pid !== undefined) await recordOwner(ownerFile, child.pid);
  options.logger.info({ port, location: location ?? "memory" }, "azurite started");
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${port}/${ACCOUNT};`,
    port,
    async stop() {
      await terminate(child, exited);
      if (ownerFile !== undefined) await forgetOwner(ownerFile);
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

/**
 * Stops an Azurite serving `location` whose spawning process is gone (SIGKILLed, OOM-killed),
 * so this run can bind the port and open the files again. One whose owner still runs is in
 * use, and starting is refused. Processes are recognised by their command line, never by
 * a recorded PID alone, so nothing else is ever signalled.
 */
async function stopOrphans(location: string, ownerFile: string, logger: Logger): Promise<void> {
  const bin = await azuriteBlobBin();
  for (const pid of await processesServing(bin, location)) {
    if (!(await isOrphan(ownerFile, pid))) {
      throw new AppError("AZURITE_START_FAILED", `Azurite (PID ${pid}) already serves ${location} for another process; stop it or use another DATA_DIR`, {
        details: { pid, location },
      });
    }
    logger.warn({ pid, location }, "stopping Azurite orphaned by an earlier run");
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + STOP_GRACE_MS;
    while ((await isServing(pid)) && Date.now() < deadline) await sleep(50);
    if (await isServing(pid)) process.kill(pid, "SIGKILL");
    while (await isServing(pid)) await sleep(50);
  }
}

/** False once `pid` has exited, even while it waits as a zombie for a parent that may never reap it. */
async function isServing(pid: number): Promise<boolean> {
  return (await commandLineOf(pid)).length > 0;
}

/** PIDs of `node <bin> ... --location <location>` processes; none where /proc cannot tell. */
async function processesServing(bin: string, location: string): Promise<number[]> {
  const entries = await readdir("/proc").catch(() => []);
  const pids = entries.filter((entry) => /^\d+$/.test(entry)).map(Number);
  const lines = await Promise.all(pids.map((pid) => commandLineOf(pid)));
  return pids.filter((_, index) => {
    const args = lines[index] ?? [];
    const at = args.indexOf("--location");
    return args[1] === bin && at > 0 && args[at + 1] === location;
  });
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
