import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { createOidcVerifier, createTokenSigner, createTokenVerifier, createVerifierChain, loadOrCreateSecret } from "../auth/index.ts";
import type { TokenVerifier } from "../auth/index.ts";
import { createAzureBlobStore } from "../blob/index.ts";
import type { BlobStore } from "../blob/index.ts";
import {
  createAmqpTransport,
  createBus,
  createMessageValidator,
  createPostgresTransport,
  createServiceBusTransport,
  loadMessageSchemas,
} from "../bus/index.ts";
import type { Bus, Transport } from "../bus/index.ts";
import type { PlatformConfig } from "../config/index.ts";
import { createPool, migrateUp } from "../db/index.ts";
import type { Pool } from "../db/index.ts";
import { startAzurite, startEmbeddedPostgres } from "../embedded/index.ts";
import { createHealth } from "../health/index.ts";
import type { Health } from "../health/index.ts";
import type { Logger } from "../log/index.ts";
import { createMetrics } from "../metrics/index.ts";
import type { Metrics } from "../metrics/index.ts";
import { createNotifier } from "../notify/index.ts";
import type { Notifier } from "../notify/index.ts";
import { recordInstance, refuseSecondInstance } from "./instance.ts";

/** The shared resources one process runs on: database, bus, blobs, auth and telemetry. */
export interface Platform {
  readonly config: PlatformConfig;
  readonly logger: Logger;
  readonly pool: Pool;
  readonly bus: Bus;
  readonly blob: BlobStore;
  readonly metrics: Metrics;
  readonly health: Health;
  /** Tells people about flag changes and failed backups (NOTIFY_* variables). */
  readonly notifier: Notifier;
  readonly verifyToken: TokenVerifier;
  readonly signToken: ReturnType<typeof createTokenSigner>;
  /** Where the process's embedded services listen, for the start-up banner. */
  readonly embedded: { readonly databaseUrl?: string; readonly storageConnectionString?: string };
  /**
   * Records this process in DATA_DIR as the running instance, with the URLs its services
   * serve on, so operator commands run beside it find it; `stop` removes the record before
   * the embedded servers stop.
   * Only a process running embedded servers records itself: they are what a command could
   * not otherwise reach, and deployed processes need nothing written to disk.
   */
  announce(urls: Readonly<Record<string, string>>): Promise<void>;
  /** Closes the bus, the pool and any embedded services, in that order. */
  stop(): Promise<void>;
}

const SCHEMAS = new URL("../../schemas/", import.meta.url);

/**
 * Brings up what `config` asks for. Whatever has no connection setting is started locally:
 * PostgreSQL from npm under DATA_DIR, Azurite for blobs, and the PostgreSQL-backed bus.
 */
export async function startPlatform(config: PlatformConfig, logger: Logger): Promise<Platform> {
  const closers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const close of closers.reverse()) {
      await close().catch((error: unknown) => logger.warn({ err: error }, "error while shutting down"));
    }
  };
  try {
    const embedded: { databaseUrl?: string; storageConnectionString?: string } = {};
    if (config.databaseUrl === undefined || config.storageConnectionString === undefined) {
      await refuseSecondInstance(config.dataDir);
    }
    let databaseUrl = config.databaseUrl;
    if (databaseUrl === undefined) {
      const postgres = await startEmbeddedPostgres({
        dataDir: config.dataDir,
        port: config.embeddedPostgresPort,
        logger,
      });
      closers.push(() => postgres.stop());
      databaseUrl = embedded.databaseUrl = postgres.url;
    }
    let storage = config.storageConnectionString;
    if (storage === undefined) {
      const azurite = await startAzurite({ location: `${config.dataDir}/azurite`, port: config.azuritePort, logger });
      closers.push(() => azurite.stop());
      storage = embedded.storageConnectionString = azurite.connectionString;
    }
    // Recorded before anything serves, so a command run as soon as the API answers finds it;
    // removed after the pool and bus close, before the embedded servers stop.
    const announce = announcer({ config, logger, embedded, closers, databaseUrl, storage });
    await announce({});
    const pool = createPool(databaseUrl, { applicationName: "warranty-hub" });
    closers.push(() => pool.end());
    await migrateUp(pool, { logger });

    const metrics = createMetrics({ build: config.build });
    metrics.watchPool(() => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max }));
    const transport = createTransport(config, pool, logger);
    const bus = createBus({
      transport,
      validator: await loadValidator(),
      logger,
      observer: metrics.busObserver,
      queuePrefix: config.queuePrefix,
    });
    closers.push(() => bus.close());
    const blob = createAzureBlobStore({ connectionString: storage, containerPrefix: config.blobContainerPrefix });
    const secret = config.jwtSecret ?? (await loadOrCreateSecret(config.dataDir));
    const health = createHealth({
      database: async () => {
        await pool.query("select 1");
      },
      bus: () => bus.ping(),
      blob: () => blob.ping(),
    }, { version: config.build.version });
    metrics.watchHealth(() => health.ready());
    return {
      config,
      logger,
      pool,
      bus,
      blob,
      metrics,
      health,
      notifier: createNotifier({ config: config.notify, version: config.build.version, logger: logger.child({ component: "notify" }) }),
      verifyToken:
        config.oidc === undefined
          ? createTokenVerifier(secret)
          : createVerifierChain(createTokenVerifier(secret), createOidcVerifier(config.oidc)),
      signToken: createTokenSigner(secret),
      embedded,
      announce,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The platform's {@link Platform.announce}: each call rewrites the record; one closer removes it. */
function announcer(parts: {
  config: PlatformConfig;
  logger: Logger;
  embedded: Platform["embedded"];
  closers: Array<() => Promise<void>>;
  databaseUrl: string;
  storage: string;
}): Platform["announce"] {
  const { config, embedded } = parts;
  let recorded = false;
  return async (urls) => {
    if (embedded.databaseUrl === undefined && embedded.storageConnectionString === undefined) return;
    const facts = { databaseUrl: parts.databaseUrl, storageConnectionString: parts.storage, urls, bus: config.bus };
    const prefixes = { queuePrefix: config.queuePrefix, blobContainerPrefix: config.blobContainerPrefix };
    // Operator commands then start servers of their own, which the refusal to share the
    // data directory turns into a clear error: worth a warning, not a failed start.
    const forget = await recordInstance(config.dataDir, { ...facts, ...prefixes }).catch((error: unknown) => {
      parts.logger.warn({ err: error }, "cannot record the running instance in DATA_DIR");
      return undefined;
    });
    if (forget && !recorded) parts.closers.push(forget);
    recorded ||= forget !== undefined;
  };
}

/** The message validator over `schemas/envelope.json` and `schemas/messages/`. */
export async function loadValidator() {
  const envelope = JSON.parse(await readFile(new URL("envelope.json", SCHEMAS), "utf8")) as Record<string, unknown>;
  // fileURLToPath, not .pathname, which keeps a space in the checkout's path as %20.
  return createMessageValidator(envelope, await loadMessageSchemas(fileURLToPath(new URL("messages/", SCHEMAS))));
}

/** The transport the configuration names: RabbitMQ, Service Bus, or the PostgreSQL default on `pool`. */
export function createTransport(config: PlatformConfig, pool: Pool, logger: Logger): Transport {
  switch (config.bus.kind) {
    case "postgres":
      return createPostgresTransport({ pool, logger });
    case "amqp":
      return createAmqpTransport({ url: config.bus.url, logger });
    case "service-bus":
      return createServiceBusTransport({ connectionString: config.bus.connectionString, logger });
  }
}
