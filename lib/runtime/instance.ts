import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PlatformConfig } from "../config/index.ts";
import { AppError } from "../errors/index.ts";
import { currentProcess, isRunning } from "../embedded/index.ts";
import type { ProcessIdentity } from "../embedded/index.ts";

/**
 * What a running `warranty-hub start` serves, as recorded in `DATA_DIR/instance.json`, so
 * operator commands run beside it reach the same database, blob storage and bus without
 * any variable set. The file holds credentials and is readable only by its owner.
 */
export interface RunningInstance {
  readonly owner: ProcessIdentity;
  readonly startedAt: string;
  readonly databaseUrl: string;
  readonly storageConnectionString: string;
  readonly bus: PlatformConfig["bus"];
  readonly queuePrefix: string;
  readonly blobContainerPrefix: string;
  /** Service name to the URL it serves on, e.g. `api` → `http://127.0.0.1:3000`. */
  readonly urls: Readonly<Record<string, string>>;
}

/** What the starting process knows; the owner and start time are added when recorded. */
export type InstanceFacts = Omit<RunningInstance, "owner" | "startedAt">;

const FILE = "instance.json";

/**
 * Records this process as the instance serving `dataDir`, replacing what a killed earlier
 * run left. Returns the function that removes the record again, unless another process
 * has replaced it since.
 */
export async function recordInstance(dataDir: string, facts: InstanceFacts): Promise<() => Promise<void>> {
  const owner = await currentProcess();
  const record: RunningInstance = { owner, startedAt: new Date().toISOString(), ...facts };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // Written aside and renamed, so a reader never sees half a file.
  const staging = join(dataDir, `.${FILE}.${randomBytes(4).toString("hex")}`);
  await writeFile(staging, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(staging, join(dataDir, FILE));
  return async () => {
    if ((await readInstance(dataDir))?.owner.pid === owner.pid) await rm(join(dataDir, FILE), { force: true });
  };
}

/** The instance recorded in `dataDir` while its process still runs; undefined otherwise. */
export async function findRunningInstance(dataDir: string): Promise<RunningInstance | undefined> {
  const instance = await readInstance(dataDir);
  return instance !== undefined && (await isRunning(instance.owner)) ? instance : undefined;
}

/**
 * Refuses to start embedded servers on a DATA_DIR a running instance already serves,
 * saying where that instance is, before anything else would fail less clearly.
 */
export async function refuseSecondInstance(dataDir: string): Promise<void> {
  const instance = await findRunningInstance(dataDir);
  if (instance === undefined) return;
  const where = instance.urls.api === undefined ? "" : `, API at ${instance.urls.api}`;
  throw new AppError(
    "INSTANCE_RUNNING",
    `warranty-hub already runs on ${dataDir} (PID ${instance.owner.pid}${where}); stop it first, or set another DATA_DIR`,
    { details: { dataDir, pid: instance.owner.pid } },
  );
}

/**
 * `config` completed from the instance running in its DATA_DIR, if any: what the command's
 * own variables leave at the default (no DATABASE_URL, no storage connection string, the
 * PostgreSQL bus, no prefixes) is taken from the instance, so the command works on what
 * it serves instead of starting embedded servers of its own.
 */
export async function withRunningInstance(config: PlatformConfig): Promise<PlatformConfig> {
  const instance = await findRunningInstance(config.dataDir);
  if (instance === undefined) return config;
  return {
    ...config,
    databaseUrl: config.databaseUrl ?? instance.databaseUrl,
    storageConnectionString: config.storageConnectionString ?? instance.storageConnectionString,
    bus: config.bus.kind === "postgres" ? instance.bus : config.bus,
    queuePrefix: config.queuePrefix || instance.queuePrefix,
    blobContainerPrefix: config.blobContainerPrefix || instance.blobContainerPrefix,
  };
}

async function readInstance(dataDir: string): Promise<RunningInstance | undefined> {
  let parsed: Partial<RunningInstance>;
  try {
    parsed = JSON.parse(await readFile(join(dataDir, FILE), "utf8")) as Partial<RunningInstance>;
  } catch {
    return undefined;
  }
  const complete =
    typeof parsed.owner?.pid === "number" &&
    typeof parsed.databaseUrl === "string" &&
    typeof parsed.storageConnectionString === "string" &&
    typeof parsed.bus?.kind === "string";
  return complete ? (parsed as RunningInstance) : undefined;
}
