import type { IncomingMessage, Server } from "node:http";
import { createLogger } from "../../../lib/log/index.ts";
import type { Logger } from "../../../lib/log/index.ts";
import type { HubConnection, HubUser } from "./connection.ts";
import type { AllowedOrigins } from "./http.ts";
import type { HubMethods } from "./invocations.ts";
import type { RateLimit } from "./rate-limit.ts";

/** Everything `createHubServer` takes; only `server`, `path`, `authenticate` and `methods` are required. */
export interface HubServerOptions<U extends HubUser> {
  /** The HTTP server to share; attach after its own request listener is registered. */
  readonly server: Server;
  /** Hub URL path, e.g. `/hubs/chat`; negotiate is at `{path}/negotiate`. */
  readonly path: string;
  /**
   * Turns the access token (Authorization bearer or `access_token` query) into a user.
   * Throwing refuses negotiate and upgrade with 401; an AppError's message is shown.
   */
  readonly authenticate: (token: string | undefined, req: IncomingMessage) => Promise<U>;
  readonly methods: HubMethods<U>;
  /**
   * Signs connection tokens, so a client may negotiate on one instance and connect to another
   * (no sticky sessions). Every instance of a hub needs the same secret; without one, tokens
   * work on this instance only.
   */
  readonly tokenSecret?: string;
  /** Runs after the handshake, before any invocation of the connection; throwing closes it. */
  readonly onConnected?: (connection: HubConnection<U>) => Promise<void> | void;
  /** Runs once per connection whose `onConnected` ran, after the socket closed. */
  readonly onDisconnected?: (connection: HubConnection<U>, error: Error | undefined) => Promise<void> | void;
  readonly logger?: Logger;
  /** Server Ping after this long without sending anything. Default 15 s. */
  readonly keepAliveMs?: number;
  /** Close a connection from which nothing arrived for this long. Default 30 s. */
  readonly clientTimeoutMs?: number;
  /** Close a socket that has not completed the handshake in this time. Default 15 s. */
  readonly handshakeTimeoutMs?: number;
  /** A negotiated connection token not used by a WebSocket within this time expires. Default 30 s. */
  readonly negotiateTimeoutMs?: number;
  /** On `close()`, how long a client gets to close its socket before it is dropped. Default 5 s. */
  readonly closeTimeoutMs?: number;
  /** A long poll with nothing to send is answered empty after this long. Default 90 s, as the reference server. */
  readonly longPollTimeoutMs?: number;
  /** Connections (negotiated or open) one user may hold on this instance. Default 10. */
  readonly maxConnectionsPerUser?: number;
  /** Largest WebSocket message accepted, in bytes. Default 32 KiB, as the reference server. */
  readonly maxMessageSize?: number;
  /** Invocations one connection may run at once; the rest queue. Default 1, as the reference server. */
  readonly maxParallelInvocations?: number;
  /** Invocation rate limit per connection, or false for none. Default 20 at once, 10 per second. */
  readonly rateLimit?: RateLimit | false;
  /** Browser origins allowed (CORS and WebSocket Origin). Default "*": any origin, echoed. */
  readonly allowedOrigins?: AllowedOrigins;
}

/** Options with defaults applied. */
export interface HubSettings {
  readonly path: string;
  readonly logger: Logger;
  readonly keepAliveMs: number;
  readonly clientTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly negotiateTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly longPollTimeoutMs: number;
  readonly maxConnectionsPerUser: number;
  readonly maxMessageSize: number;
  readonly maxParallelInvocations: number;
  readonly rateLimit: RateLimit | undefined;
  readonly allowedOrigins: AllowedOrigins;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isFinite(result) || result <= 0) throw new RangeError(`Hub option '${name}' must be a positive number.`);
  return result;
}

/** Applies defaults and rejects nonsense (zero timers, a path without a leading slash). */
export function resolveSettings<U extends HubUser>(options: HubServerOptions<U>): HubSettings {
  if (!options.path.startsWith("/") || options.path.endsWith("/")) {
    throw new RangeError("Hub option 'path' must start with '/' and not end with '/'.");
  }
  const rateLimit = options.rateLimit === false ? undefined : (options.rateLimit ?? { burst: 20, perSecond: 10 });
  if (rateLimit !== undefined) {
    positive("rateLimit.burst", rateLimit.burst, 1);
    positive("rateLimit.perSecond", rateLimit.perSecond, 1);
  }
  return {
    path: options.path,
    logger: options.logger ?? createLogger({ level: "silent" }),
    keepAliveMs: positive("keepAliveMs", options.keepAliveMs, 15_000),
    clientTimeoutMs: positive("clientTimeoutMs", options.clientTimeoutMs, 30_000),
    handshakeTimeoutMs: positive("handshakeTimeoutMs", options.handshakeTimeoutMs, 15_000),
    negotiateTimeoutMs: positive("negotiateTimeoutMs", options.negotiateTimeoutMs, 30_000),
    closeTimeoutMs: positive("closeTimeoutMs", options.closeTimeoutMs, 5_000),
    longPollTimeoutMs: positive("longPollTimeoutMs", options.longPollTimeoutMs, 90_000),
    maxConnectionsPerUser: positive("maxConnectionsPerUser", options.maxConnectionsPerUser, 10),
    maxMessageSize: positive("maxMessageSize", options.maxMessageSize, 32 * 1024),
    maxParallelInvocations: positive("maxParallelInvocations", options.maxParallelInvocations, 1),
    rateLimit,
    allowedOrigins: options.allowedOrigins ?? "*",
  };
}
