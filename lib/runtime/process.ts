import type { Server } from "node:http";
import { ConfigError, envReader, readPlatformConfig } from "../config/index.ts";
import type { EnvReader, PlatformConfig } from "../config/index.ts";
import { startOpsServer } from "../health/index.ts";
import { createLogger } from "../log/index.ts";
import type { Logger } from "../log/index.ts";
import { failureLine } from "./failure.ts";
import { runUntilSignal } from "./lifecycle.ts";
import type { RunningService } from "./lifecycle.ts";
import { startPlatform } from "./platform.ts";
import type { Platform } from "./platform.ts";

/** An HTTP server one service lends to the services started after it, so they share its origin. */
export interface SharedHttpServer {
  readonly server: Server;
  /** `http://host:port`, as the banner shows it. */
  readonly url: string;
}

/** What a service is started with besides the platform and its configuration. */
export interface ServiceContext {
  /**
   * The server of a service started earlier in this process (the API's), if one lent it:
   * a service with HTTP routes of its own mounts them there instead of listening on its own port.
   */
  readonly httpServer?: SharedHttpServer;
}

/** A started service: `url` goes into the banner, `httpServer` is lent to the services after it. */
export type StartedService = RunningService & { readonly url?: string; readonly httpServer?: SharedHttpServer };

/** How a service is configured and started; each `services/<name>/main.ts` exports one. */
export interface ServiceDefinition<C = unknown> {
  readonly name: string;
  /** Reads the service's own variables; problems go to the reader so all are reported together. */
  readConfig(env: EnvReader): C;
  start(platform: Platform, config: C, context?: ServiceContext): Promise<StartedService>;
  /** Queues the service consumes; their depth is reported in /metrics. */
  readonly queues?: readonly string[];
  /** True for a service that serves HTTP itself, including /metrics and /health. */
  readonly servesHttp?: boolean;
}

/** Exit codes of a process run. */
export const EXIT = { ok: 0, failed: 1, badConfig: 2 } as const;

/**
 * Runs services in this process until SIGTERM: reads and checks every variable once,
 * starts the platform, starts the services in order, and drains on a signal. A service that
 * lends its HTTP server (the API) gets the services after it onto its port, so `start all`
 * answers on one origin. Worker-only processes get a small ops server for /metrics and
 * /health (METRICS_PORT, default 9464).
 */
export async function runProcess(
  definitions: readonly ServiceDefinition[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  let loaded: { platform: PlatformConfig; services: unknown[]; metricsPort: number };
  try {
    loaded = loadProcessConfig(definitions, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT.badConfig;
    }
    throw error;
  }
  const name = definitions.map((d) => d.name).join("+");
  const logger = createLogger({ level: loaded.platform.logLevel, name });
  let platform: Platform;
  try {
    platform = await startPlatform(loaded.platform, logger);
  } catch (error) {
    logger.fatal({ err: error }, "could not start the platform");
    process.stderr.write(failureLine("could not start", error));
    return EXIT.failed;
  }
  const services: Array<RunningService & { readonly url?: string }> = [];
  platform.metrics.watchQueueDepth(
    definitions.flatMap((d) => d.queues ?? []),
    (queue) => platform.bus.depth(queue),
  );
  try {
    let httpServer: SharedHttpServer | undefined;
    for (const [index, definition] of definitions.entries()) {
      const started = await definition.start(platform, loaded.services[index], httpServer ? { httpServer } : {});
      httpServer ??= started.httpServer;
      services.push(started);
    }
    if (!definitions.some((d) => d.servesHttp)) {
      const ops = await startOpsServer({
        port: loaded.metricsPort,
        metrics: platform.metrics,
        health: platform.health,
        logger,
      });
      services.unshift({ name: "ops", stop: () => ops.close() });
      logger.info({ url: `http://127.0.0.1:${ops.port}` }, "metrics and health");
    }
  } catch (error) {
    logger.fatal({ err: error }, "could not start services");
    process.stderr.write(failureLine("could not start", error));
    for (const service of services.reverse()) await service.stop().catch(() => undefined);
    await platform.stop();
    return EXIT.failed;
  }
  // Signals are taken over before the banner says "started", so a SIGTERM sent as soon as it
  // appears drains the process instead of killing it with the default action.
  const finished = runUntilSignal({
    logger,
    health: platform.health,
    services,
    close: () => platform.stop(),
    shutdownTimeoutMs: loaded.platform.shutdownTimeoutMs,
  });
  printBanner(logger, platform, services);
  await platform.announce(Object.fromEntries(services.flatMap((s) => (s.url ? [[s.name, s.url]] : []))));
  return finished;
}

function loadProcessConfig(definitions: readonly ServiceDefinition[], env: Readonly<Record<string, string | undefined>>) {
  const reader = envReader(env);
  const platform = readPlatformConfig(reader);
  const services = definitions.map((definition) => definition.readConfig(reader));
  const metricsPort = reader.integer("METRICS_PORT", 9464, { min: 0, max: 65535 });
  reader.done();
  return { platform, services, metricsPort };
}

function printBanner(logger: Logger, platform: Platform, services: readonly (RunningService & { url?: string })[]) {
  const urls = services.flatMap((s) => (s.url ? [`${s.name}: ${s.url}`] : []));
  logger.info(
    {
      services: services.map((s) => s.name),
      bus: platform.bus.transport,
      embeddedDatabase: platform.embedded.databaseUrl ? redact(platform.embedded.databaseUrl) : undefined,
      urls,
    },
    "started",
  );
  const lines = [
    "",
    "Warranty Hub is running.",
    ...urls.map((u) => `  ${u}`),
    `  message bus: ${platform.bus.transport}`,
    ...(platform.embedded.databaseUrl ? [`  embedded PostgreSQL: ${redact(platform.embedded.databaseUrl)} (password in DATA_DIR)`] : []),
    ...(platform.embedded.storageConnectionString ? ["  embedded Azurite blob storage"] : []),
    "  dev token: npx warranty-hub token --role super_admin",
    "",
  ];
  process.stderr.write(`${lines.join("\n")}\n`);
}

/** The URL without its password, for logs and the banner. */
function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
