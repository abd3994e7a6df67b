import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { TokenVerifier } from "../../lib/auth/index.ts";
import type { Bus, Consumer, ConsumeOptions } from "../../lib/bus/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { AppError } from "../../lib/errors/index.ts";
import type { Logger } from "../../lib/log/index.ts";
import type { Metrics } from "../../lib/metrics/index.ts";
import type { HubServer, RateLimit } from "./signalr/index.ts";
import type { ChatRelayConfig } from "./config.ts";
import { createChatHub, hubSink } from "./hub.ts";
import { createChatApp, loadChatSchemas } from "./http.ts";
import type { ChatUser } from "./model.ts";
import { createChatRelay } from "./relay.ts";
import type { ChatRelay } from "./relay.ts";
import { startRetentionJob } from "./retention.ts";
import { startChatWorker } from "./worker.ts";

/** What one relay instance runs on. */
export interface ChatRelayDeps {
  readonly pool: Pool;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly verifyToken: TokenVerifier;
  readonly config: ChatRelayConfig;
  /** Options of the chat worker's consumer. */
  readonly worker?: ConsumeOptions;
  /**
   * Hub timers and limits; defaults are the reference server's (15 s keep-alive, 30 s client
   * timeout) and the hub's invocation rate limit.
   */
  readonly hub?: { readonly keepAliveMs?: number; readonly clientTimeoutMs?: number; readonly rateLimit?: RateLimit | false };
  /** The retention job's clock. */
  readonly clock?: () => Date;
}

/** A running relay instance. */
export interface ChatRelayInstance {
  /** `http://host:port`; the hub is at `${url}/hubs/chat`. */
  readonly url: string;
  readonly port: number;
  readonly hub: HubServer<ChatUser>;
  readonly relay: ChatRelay;
  /** Closes the hub (clients are told to reconnect), drains the worker, then stops the rest. */
  stop(): Promise<void>;
}

/**
 * Starts one relay instance: HTTP chat routes and the SignalR hub on one port, the fan-out
 * subscription, the chat worker (unless turned off) and the retention job.
 */
export async function startChatRelay(deps: ChatRelayDeps): Promise<ChatRelayInstance> {
  const { config, logger } = deps;
  if (!deps.bus.canBroadcast) {
    throw new AppError("CHAT_NEEDS_BROADCAST", `the ${deps.bus.transport} bus has no broadcast; chat needs amqp or postgres`);
  }
  const late: { hub?: HubServer<ChatUser> } = {};
  const relay = createChatRelay({
    pool: deps.pool,
    bus: deps.bus,
    logger: logger.child({ component: "chat-relay" }),
    instanceId: config.instanceId,
    sendTimeoutMs: config.sendTimeoutMs,
    sink: hubSink(() => late.hub as HubServer<ChatUser>),
  });
  const app = createChatApp({ relay, schemas: await loadChatSchemas(), verifyToken: deps.verifyToken, logger, metrics: deps.metrics });
  const listener = getRequestListener(app.fetch);
  const server = createServer((req, res) => void listener(req, res));
  const hub = (late.hub = createChatHub({
    server,
    relay,
    verifyToken: deps.verifyToken,
    logger,
    options: { maxConnectionsPerUser: config.maxConnectionsPerUser, ...deps.hub },
  }));
  await relay.start();
  let worker: Consumer | undefined;
  const retention = startRetentionJob({
    pool: deps.pool,
    logger,
    intervalMs: config.retentionIntervalMs,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  try {
    if (config.runWorker) worker = await startChatWorker({ pool: deps.pool, bus: deps.bus }, deps.worker);
    await listen(server, config.port, config.host);
  } catch (error) {
    await Promise.allSettled([worker?.close(), relay.close(), retention.stop(), hub.close()]);
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const shownHost = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
  const running = hub;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    hub: running,
    relay,
    async stop() {
      await running.close();
      await worker?.close();
      await relay.close();
      await retention.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(new AppError("CHAT_LISTEN_FAILED", `cannot listen on ${host}:${port}`, { cause: error }));
    server.once("error", failed);
    server.listen(port, host, () => {
      server.off("error", failed);
      resolve();
    });
  });
}
