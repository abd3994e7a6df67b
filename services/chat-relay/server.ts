import { createServer } from "node:http";
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { TokenVerifier } from "../../lib/auth/index.ts";
import type { Bus, Consumer, ConsumeOptions } from "../../lib/bus/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import { AppError } from "../../lib/errors/index.ts";
import type { Logger } from "../../lib/log/index.ts";
import type { Metrics } from "../../lib/metrics/index.ts";
import type { SharedHttpServer } from "../../lib/runtime/index.ts";
import type { HubServer, RateLimit } from "./signalr/index.ts";
import type { ChatRelayConfig } from "./config.ts";
import { createChatHub, hubSink } from "./hub.ts";
import { createChatApp, loadChatSchemas } from "./http.ts";
import { CHAT } from "./model.ts";
import type { ChatUser } from "./model.ts";
import { createChatRelay } from "./relay.ts";
import type { ChatRelay } from "./relay.ts";
import { startRetentionJob } from "./retention.ts";
import { messagesAfter } from "./store.ts";
import { startChatWorker } from "./worker.ts";

/** What one relay instance runs on. */
export interface ChatRelayDeps {
  readonly pool: Pool;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly verifyToken: TokenVerifier;
  readonly config: ChatRelayConfig;
  readonly worker?: ConsumeOptions;
  /**
   * Hub timers and limits; defaults are the reference server's (15 s keep-alive, 30 s client
   * timeout) and the hub's invocation rate limit.
   */
  readonly hub?: { readonly keepAliveMs?: number; readonly clientTimeoutMs?: number; readonly rateLimit?: RateLimit | false };
  /**
   * Signs SignalR connection tokens so any instance accepts a client that negotiated on
   * another; every instance needs the same one (the JWT secret). Without it, per instance.
   */
  readonly connectionSecret?: string;
  /** The retention job's clock. */
  readonly clock?: () => Date;
  /** Another service's server (the API's) to serve on instead of listening on CHAT_PORT. */
  readonly httpServer?: SharedHttpServer;
}

/** A running relay instance. */
export interface ChatRelayInstance {
  /** `http://host:port` (the shared server's when given one); the hub is at `${url}/hubs/chat`. */
  readonly url: string;
  readonly port: number;
  readonly hub: HubServer<ChatUser>;
  readonly relay: ChatRelay;
  /** Closes the hub (clients are told to reconnect), drains the worker, then stops the rest. */
  stop(): Promise<void>;
}

/**
 * Starts one relay instance: HTTP chat routes and the SignalR hub on one port (CHAT_PORT, or
 * the shared server's), the fan-out subscription, the chat worker (unless turned off) and the
 * retention job.
 */
export async function startChatRelay(deps: ChatRelayDeps): Promise<ChatRelayInstance> {
  const { config, logger } = deps;
  if (!deps.bus.canBroadcast) {
    throw new AppError("CHAT_NEEDS_BROADCAST", `the ${deps.bus.transport} bus has no broadcast; chat needs amqp or postgres`);
  }
  const late: { hub?: HubServer<ChatUser> } = {};
  const sink = hubSink(() => late.hub as HubServer<ChatUser>, {
    catchUp: (serviceRequestId, after) => messagesAfter(deps.pool, serviceRequestId, after, CHAT.maxPage),
    logger,
  });
  const relay = createChatRelay({
    pool: deps.pool,
    bus: deps.bus,
    logger: logger.child({ component: "chat-relay" }),
    instanceId: config.instanceId,
    sendTimeoutMs: config.sendTimeoutMs,
    sink,
  });
  const chat = createChatApp({ relay, schemas: await loadChatSchemas(), verifyToken: deps.verifyToken, logger, metrics: deps.metrics });
  const listener = getRequestListener(chat.app.fetch);
  const http = deps.httpServer ? sharedSeat(deps.httpServer, chat.serves, listener) : ownSeat(config, listener);
  // After the seat is set up: the hub answers its own paths and hands the rest to the listeners it finds.
  const hub = (late.hub = createChatHub({
    server: http.server,
    relay,
    sink,
    verifyToken: deps.verifyToken,
    logger,
    options: {
      maxConnectionsPerUser: config.maxConnectionsPerUser,
      ...deps.hub,
      ...(deps.connectionSecret === undefined ? {} : { tokenSecret: deps.connectionSecret }),
    },
  }));
  await relay.start();
  let worker: Consumer | undefined;
  const retention = startRetentionJob({
    pool: deps.pool,
    logger,
    intervalMs: config.retentionIntervalMs,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  let url: string;
  try {
    if (config.runWorker) worker = await startChatWorker({ pool: deps.pool, bus: deps.bus }, deps.worker);
    url = await http.open();
  } catch (error) {
    sink.close();
    await Promise.allSettled([worker?.close(), relay.close(), retention.stop(), hub.close().then(() => http.close())]);
    throw error;
  }
  return {
    url,
    port: (http.server.address() as AddressInfo).port,
    hub,
    relay,
    async stop() {
      await hub.close();
      await worker?.close();
      await relay.close();
      sink.close();
      await retention.stop();
      await http.close();
    },
  };
}

/** The chat app as a Node request listener; it answers every request itself, errors included. */
type ChatListener = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Where the relay serves HTTP: the server, opening it (resolves with its URL), and leaving it. */
interface HttpSeat {
  readonly server: Server;
  open(): Promise<string>;
  close(): Promise<void>;
}

/** A server of the relay's own on CHAT_PORT; closing it drops every connection. */
function ownSeat(config: ChatRelayConfig, listener: ChatListener): HttpSeat {
  const server = createServer((req, res) => void listener(req, res));
  return {
    server,
    async open() {
      await listen(server, config.port, config.host);
      const shownHost = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
      return `http://${shownHost}:${(server.address() as AddressInfo).port}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * A place on a server the relay shares: the chat routes' paths go to `listener`, every other
 * request to the server's own listeners. Leaving gives the server back as it was, still
 * listening, for its owner to close.
 */
function sharedSeat(shared: SharedHttpServer, serves: (pathname: string) => boolean, listener: ChatListener): HttpSeat {
  const { server } = shared;
  const own = server.listeners("request") as RequestListener[];
  const route: RequestListener = (req, res) => {
    if (serves(new URL(req.url ?? "/", "http://relay.invalid").pathname)) void listener(req, res);
    else for (const ownListener of own) ownListener.call(server, req, res);
  };
  server.removeAllListeners("request");
  server.on("request", route);
  return {
    server,
    open: () => Promise.resolve(shared.url),
    close() {
      server.off("request", route);
      for (const ownListener of own) server.on("request", ownListener);
      return Promise.resolve();
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
