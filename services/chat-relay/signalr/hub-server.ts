import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { AppError } from "../../../lib/errors/index.ts";
import { HubConnection, Outbound } from "./connection.ts";
import { HubError } from "./errors.ts";
import type { ConnectionEvents, HubUser } from "./connection.ts";
import { GroupRegistry } from "./groups.ts";
import type { HubGroups } from "./groups.ts";
import {
  answerPreflight,
  corsHeaders,
  extractAccessToken,
  negotiateBody,
  negotiateVersionOf,
  originAllowed,
  rejectUpgrade,
  sendJson,
} from "./http.ts";
import { InvocationQueue, indexMethods } from "./invocations.ts";
import type { HubMethod } from "./invocations.ts";
import { resolveSettings } from "./options.ts";
import type { HubServerOptions, HubSettings } from "./options.ts";
import { serveHttpTransport } from "./http-transports.ts";
import type { HttpTransportHost, Refusal } from "./http-transports.ts";
import { webSocketTransport } from "./transports.ts";
import type { HubTransport, TransportEvents } from "./transports.ts";
import { SlotRegistry } from "./slots.ts";
import { connectionTokens } from "./tokens.ts";
import type { ConnectionTokens } from "./tokens.ts";
import type { Slot } from "./slots.ts";

/** A SignalR hub attached to an HTTP server. */
export interface HubServer<U extends HubUser> {
  readonly groups: HubGroups;
  /** The open connection with this public id on this instance. */
  connection(connectionId: string): HubConnection<U> | undefined;
  /** The user's open connections on this instance. */
  connectionsOf(userId: string): readonly HubConnection<U>[];
  /** Calls `target` on every connection of the group here; returns how many were sent to. */
  sendToGroup(group: string, target: string, ...args: unknown[]): number;
  /** Calls `target` on every connection of the user here; returns how many were sent to. */
  sendToUser(userId: string, target: string, ...args: unknown[]): number;
  /**
   * Stops accepting connections, sends Close (allowReconnect) to every client, waits for the
   * sockets to close and for `onDisconnected`, then detaches from the HTTP server (which it
   * leaves running).
   */
  close(): Promise<void>;
}

const SHUTTING_DOWN: Refusal = { status: 503, error: "The server is shutting down." };
const FOREIGN_ORIGIN: Refusal = { status: 403, error: "Origin not allowed." };

/**
 * Serves a SignalR JSON hub over WebSockets on `options.server`: `POST {path}/negotiate` and the
 * WebSocket at `{path}`. Other requests go to the server's existing request listeners.
 */
export function createHubServer<U extends HubUser>(options: HubServerOptions<U>): HubServer<U> {
  return new SignalRHub(options);
}

class SignalRHub<U extends HubUser> implements HubServer<U> {
  readonly groups: GroupRegistry;
  readonly #options: HubServerOptions<U>;
  readonly #settings: HubSettings;
  readonly #methods: ReadonlyMap<string, { name: string; run: HubMethod<U> }>;
  readonly #slots: SlotRegistry<U>;
  readonly #tokens: ConnectionTokens;
  readonly #httpHost: HttpTransportHost<U>;
  readonly #wss: WebSocketServer;
  readonly #events: ConnectionEvents<U>;
  readonly #disconnecting = new Set<Promise<void>>();
  readonly #appListeners: RequestListener[];
  readonly #onRequest: RequestListener = (req, res) => this.#route(req, res);
  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => this.#routeUpgrade(req, socket, head);
  #closing: Promise<void> | undefined;

  constructor(options: HubServerOptions<U>) {
    this.#options = options;
    this.#settings = resolveSettings(options);
    this.#methods = indexMethods(options.methods);
    this.#slots = new SlotRegistry(this.#settings.negotiateTimeoutMs);
    this.#tokens = connectionTokens(options.tokenSecret, this.#settings.negotiateTimeoutMs);
    this.#httpHost = {
      authenticate: (req, url) => this.#authenticate(req, url),
      claim: (token, user) => this.#claim(token, user),
      byToken: (token) => this.#slots.byToken(token),
      attach: (slot, transport) => this.#attach(slot, transport),
      longPolling: { pollTimeoutMs: this.#settings.longPollTimeoutMs, lingerMs: this.#settings.closeTimeoutMs },
      maxMessageSize: this.#settings.maxMessageSize,
    };
    this.groups = new GroupRegistry({
      isOpen: (id) => this.#slots.connection(id)?.isOpen === true,
      connectionIdsOf: (userId) => this.#slots.connectionsOf(userId).map((c) => c.id),
    });
    // Twice the limit: a slightly oversized message still gets a Close with a reason from us.
    this.#wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: this.#settings.maxMessageSize * 2 });
    this.#events = {
      connected: (connection) => this.#connected(connection),
      invocation: (connection, message) => this.#slots.slot(connection.id)?.queue?.accept(message),
      closed: (connection, error) => this.#track(this.#disconnected(connection, error)),
    };
    // The hub answers its own paths first; everything else goes to the app's listeners.
    this.#appListeners = options.server.listeners("request") as RequestListener[];
    options.server.removeAllListeners("request");
    options.server.on("request", this.#onRequest);
    options.server.on("upgrade", this.#onUpgrade);
  }

  connection(connectionId: string): HubConnection<U> | undefined {
    return this.#slots.connection(connectionId);
  }

  connectionsOf(userId: string): readonly HubConnection<U>[] {
    return this.#slots.connectionsOf(userId);
  }

  sendToGroup(group: string, target: string, ...args: unknown[]): number {
    const members = this.groups.memberSet(group);
    if (members === undefined) return 0;
    const message = new Outbound((protocol) => protocol.invocation(target, args));
    let sent = 0;
    for (const id of members) {
      if (this.#slots.connection(id)?.sendOutbound(message) === true) sent += 1;
    }
    return sent;
  }

  sendToUser(userId: string, target: string, ...args: unknown[]): number {
    const message = new Outbound((protocol) => protocol.invocation(target, args));
    return this.#slots.connectionsOf(userId).filter((c) => c.sendOutbound(message)).length;
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#slots.releaseNegotiated();
    const connections = this.#slots.connections();
    for (const connection of connections) connection.close(undefined, true);
    await Promise.all(connections.map((connection) => this.#closedWithin(connection)));
    await Promise.all([...this.#disconnecting]);
    const server = this.#options.server;
    server.off("upgrade", this.#onUpgrade);
    server.off("request", this.#onRequest);
    for (const listener of this.#appListeners) server.on("request", listener);
    this.#wss.close();
  }

  async #closedWithin(connection: HubConnection<U>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), this.#settings.closeTimeoutMs)));
    if ((await Promise.race([connection.closed, late])) === "late") connection.abort("The client did not close in time.");
    clearTimeout(timer);
    await connection.closed;
  }

  #track(task: Promise<void>): void {
    this.#disconnecting.add(task);
    void task.finally(() => this.#disconnecting.delete(task));
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://hub.invalid");
    if (url.pathname === `${this.#settings.path}/negotiate`) {
      this.#negotiate(req, res, url).catch((error: unknown) => {
        this.#settings.logger.error({ err: error }, "hub negotiate failed");
        if (!res.headersSent) sendJson(res, 500, { error: "Negotiation failed." });
      });
    } else if (url.pathname === this.#settings.path) {
      const allowed = this.#settings.allowedOrigins;
      if (req.method === "OPTIONS") return answerPreflight(req, res, allowed);
      const cors = corsHeaders(req, allowed);
      const refusal = this.#closing !== undefined ? SHUTTING_DOWN : !originAllowed(req, allowed) ? FOREIGN_ORIGIN : undefined;
      if (refusal !== undefined) return sendJson(res, refusal.status, { error: refusal.error }, cors);
      serveHttpTransport(this.#httpHost, req, res, url, cors).catch((error: unknown) => {
        this.#settings.logger.error({ err: error }, "hub HTTP transport request failed");
        if (!res.headersSent) sendJson(res, 500, { error: "The request could not be handled." }, cors);
      });
    } else if (this.#appListeners.length === 0) {
      sendJson(res, 404, { error: "Not found." });
    } else {
      for (const listener of this.#appListeners) listener.call(this.#options.server, req, res);
    }
  }

  async #negotiate(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const allowed = this.#settings.allowedOrigins;
    if (req.method === "OPTIONS") return answerPreflight(req, res, allowed);
    req.resume();
    const cors = corsHeaders(req, allowed);
    if (req.method !== "POST") return sendJson(res, 405, { error: "Negotiate takes POST." }, { ...cors, allow: "POST" });
    const version = negotiateVersionOf(url);
    if (version === undefined) return sendJson(res, 400, { error: "'negotiateVersion' must be a non-negative integer." }, cors);
    const auth = await this.#authenticate(req, url);
    if ("error" in auth) return sendJson(res, auth.status, { error: auth.error }, cors);
    const refusal = this.#closing !== undefined ? SHUTTING_DOWN : this.#overLimit(auth.user);
    if (refusal !== undefined) return sendJson(res, refusal.status, { error: refusal.error }, cors);
    const id = version >= 1 ? this.#tokens.issue(auth.user.id) : undefined;
    const slot = this.#slots.reserve(auth.user, { negotiated: true, separateToken: version >= 1, ...(id ? { id } : {}) });
    sendJson(res, 200, negotiateBody(version, slot.connectionId, slot.token), cors);
  }

  async #authenticate(req: IncomingMessage, url: URL): Promise<{ user: U } | Refusal> {
    try {
      return { user: await this.#options.authenticate(extractAccessToken(req, url), req) };
    } catch (error) {
      this.#settings.logger.debug({ err: error }, "hub authentication refused");
      return { status: 401, error: error instanceof AppError ? error.message : "Unauthorized." };
    }
  }

  #overLimit(user: U): Refusal | undefined {
    const max = this.#settings.maxConnectionsPerUser;
    if (this.#slots.countFor(user.id) < max) return undefined;
    return { status: 429, error: `Too many connections for this user: at most ${max} at a time.` };
  }

  #routeUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://hub.invalid");
    if (url.pathname !== this.#settings.path) {
      // Another upgrade listener may want it; if there is none, nobody would ever answer.
      if (this.#options.server.listenerCount("upgrade") === 1) rejectUpgrade(socket, 404, "Not found.");
      return;
    }
    socket.on("error", () => socket.destroy());
    this.#upgrade(req, socket, head, url).catch((error: unknown) => {
      this.#settings.logger.error({ err: error }, "hub upgrade failed");
      rejectUpgrade(socket, 500, "The connection could not be set up.");
    });
  }

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    if (!originAllowed(req, this.#settings.allowedOrigins)) return rejectUpgrade(socket, 403, "Origin not allowed.");
    const user = this.#closing !== undefined ? SHUTTING_DOWN : await this.#authenticate(req, url);
    const claim = "error" in user ? user : this.#claim(url.searchParams.get("id"), user.user);
    if ("error" in claim) return rejectUpgrade(socket, claim.status, claim.error);
    const slot = claim;
    // ws answers malformed handshakes itself without calling back; the slot must not leak.
    socket.once("close", () => {
      if (slot.state === "connecting") this.#slots.release(slot);
    });
    if (socket.destroyed) return this.#slots.release(slot);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.#closing !== undefined) {
        ws.terminate();
        this.#slots.release(slot);
        return;
      }
      this.#attach(slot, webSocketTransport(ws));
    });
  }

  /** Finds or creates the slot for an upgrade; checks run after the await, so they cannot race. */
  #claim(token: string | null, user: U): Slot<U> | Refusal {
    if (this.#closing !== undefined) return SHUTTING_DOWN;
    if (token === null) {
      return this.#overLimit(user) ?? this.#slots.reserve(user, { negotiated: false, separateToken: true });
    }
    const slot = this.#slots.byToken(token);
    if (slot === undefined) return this.#adopt(token, user);
    if (slot.state !== "negotiated") return { status: 409, error: "This connection already has a WebSocket." };
    if (slot.user.id !== user.id) return { status: 403, error: "The connection was negotiated by another user." };
    clearTimeout(slot.expiry);
    slot.state = "connecting";
    slot.user = user;
    return slot;
  }

  /** A token this instance does not hold: negotiated on another instance, which signed it. */
  #adopt(token: string, user: U): Slot<U> | Refusal {
    const checked = this.#tokens.check(token, user.id);
    if (!checked.ok || this.#slots.spent(token)) return { status: 404, error: "No connection with this id; negotiate again." };
    return this.#overLimit(user) ?? this.#slots.reserve(user, { negotiated: false, separateToken: true, id: { connectionId: checked.connectionId, token } });
  }

  #attach(slot: Slot<U>, transport: (events: TransportEvents) => HubTransport): HubConnection<U> {
    const connection = new HubConnection<U>({
      id: slot.connectionId,
      user: slot.user,
      transport,
      settings: this.#settings,
      events: this.#events,
      logger: this.#settings.logger,
    });
    slot.state = "connected";
    slot.connection = connection;
    slot.queue = new InvocationQueue({
      connection,
      methods: this.#methods,
      maxParallel: this.#settings.maxParallelInvocations,
      rateLimit: this.#settings.rateLimit,
      logger: this.#settings.logger,
    });
    return connection;
  }

  #connected(connection: HubConnection<U>): void {
    const slot = this.#slots.slot(connection.id);
    if (slot === undefined) return;
    slot.ready = this.#runHook("onConnected", connection, () => this.#options.onConnected?.(connection)).then((failure) => {
      if (failure === undefined) slot.queue?.open();
      else connection.close(failure.error instanceof HubError ? failure.error.message : "The server refused the connection.");
    });
  }

  async #disconnected(connection: HubConnection<U>, error: Error | undefined): Promise<void> {
    const slot = this.#slots.slot(connection.id);
    if (slot === undefined) return;
    slot.queue?.stop();
    this.#slots.release(slot);
    if (slot.ready !== undefined) {
      await slot.ready;
      await this.#runHook("onDisconnected", connection, () => this.#options.onDisconnected?.(connection, error));
    }
    // After the hook, so onDisconnected can still read the groups the connection was in.
    this.groups.removeConnection(connection.id);
  }

  /** Runs an application hook; returns what it threw (logged), or undefined. */
  async #runHook(name: string, connection: HubConnection<U>, hook: () => unknown): Promise<{ error: unknown } | undefined> {
    try {
      await hook();
      return undefined;
    } catch (error) {
      this.#settings.logger.error({ err: error, connectionId: connection.id, hook: name }, "hub hook failed");
      return { error };
    }
  }
}
