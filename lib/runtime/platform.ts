import { readFile } from "node:fs/promises";
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

/** The shared resources one process runs on: database, bus, blobs, auth and telemetry. */
export interface Platform {
  readonly config: PlatformConfig;
  readonly logger: Logger;
  readonly pool: Pool;
  readonly bus: Bus;
  readonly blob: BlobStore;
  readonly metrics: Metrics;
  readonly health: Health;
  readonly verifyToken: TokenVerifier;
  readonly signToken: ReturnType<typeof createTokenSigner>;
  /** Where the process's embedded services listen, for the start-up banner. */
  readonly embedded: { readonly databaseUrl?: string; readonly storageConnectionString?: string };
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
    const pool = createPool(databaseUrl, { applicationName: "warranty-hub" });
    closers.push(() => pool.end());
    await migrateUp(pool, { logger });

    const metrics = createMetrics();
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
    });
    metrics.watchHealth(() => health.ready());
    return {
      config,
      logger,
      pool,
      bus,
      blob,
      metrics,
      health,
      verifyToken:
        config.oidc === undefined
          ? createTokenVerifier(secret)
          : createVerifierChain(createTokenVerifier(secret), createOidcVerifier(config.oidc)),
      signToken: createTokenSigner(secret),
      embedded,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The message validator over `schemas/envelope.json` and `schemas/messages/`. */
export async function loadValidator() {
  const envelope = JSON.parse(await readFile(new URL("envelope.json", SCHEMAS), "utf8")) as Record<string, unknown>;
  return createMessageValidator(envelope, await loadMessageSchemas(new URL("messages/", SCHEMAS).pathname));
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
