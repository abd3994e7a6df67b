import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AbortError, HttpClient, HttpError, HttpResponse, HubConnectionBuilder, LogLevel, TimeoutError } from "@microsoft/signalr";
import type { HubConnection as ClientConnection, HttpRequest, IHttpConnectionOptions, IHubProtocol } from "@microsoft/signalr";
import { WebSocket } from "ws";
import { AppError } from "../../../lib/errors/index.ts";
import { createHubServer, HubError } from "../../../services/chat-relay/signalr/index.ts";
import type { HubConnection, HubServer, HubServerOptions } from "../../../services/chat-relay/signalr/index.ts";

/** The test hub's user; the chat domain will carry the role the same way. */
export interface TestUser {
  readonly id: string;
  readonly role: string;
}

/** Access tokens the test hub accepts; a real deployment verifies JWTs here instead. */
export const TOKENS = {
  alice: "token-alice",
  bob: "token-bob",
  carol: "token-carol",
} as const;

const USERS: Readonly<Record<string, TestUser>> = {
  [TOKENS.alice]: { id: "alice", role: "customer" },
  [TOKENS.bob]: { id: "bob", role: "technician" },
  [TOKENS.carol]: { id: "carol", role: "customer" },
};

export const HUB_PATH = "/hubs/test";

/** Server-side observations the tests read. */
export interface HubProbe {
  readonly connected: string[];
  readonly disconnected: { userId: string; error: Error | undefined }[];
  /** How many `Hold` calls are running right now. */
  holding: number;
  /** Releases every running `Hold`. */
  release: () => void;
}

export interface RunningHub {
  readonly hub: HubServer<TestUser>;
  readonly probe: HubProbe;
  /** `http://127.0.0.1:port` */
  readonly origin: string;
  /** The hub URL the official client takes. */
  readonly url: string;
  stop(): Promise<void>;
}

function authenticate(token: string | undefined): Promise<TestUser> {
  const user = token === undefined ? undefined : USERS[token];
  if (user === undefined) {
    return Promise.reject(new AppError("AUTH_INVALID_TOKEN", "Missing or invalid access token.", { status: 401 }));
  }
  return Promise.resolve(user);
}

function testMethods(hub: () => HubServer<TestUser>, probe: HubProbe): HubServerOptions<TestUser>["methods"] {
  let gate = Promise.withResolvers<void>();
  probe.release = () => {
    gate.resolve();
    gate = Promise.withResolvers<void>();
  };
  return {
    Echo: ({ args }) => args[0],
    Add: ({ args: [a, b] }) => {
      if (typeof a !== "number" || typeof b !== "number") throw new HubError("Add takes two numbers.");
      return a + b;
    },
    WhoAmI: ({ user, connection }) => ({ userId: user.id, role: user.role, connectionId: connection.id }),
    Refuse: () => {
      throw new HubError("You are not a participant of this service request.");
    },
    Crash: () => {
      throw new Error("connection to 10.0.0.7:5432 refused (internal detail)");
    },
    JoinGroup: ({ connection, args: [group] }) => hub().groups.add(connection.id, String(group)),
    Broadcast: ({ args: [group, text] }) => hub().sendToGroup(String(group), "OnMessage", group, text),
    Hold: async () => {
      probe.holding += 1;
      await gate.promise;
      probe.holding -= 1;
    },
    HoldingNow: () => probe.holding,
  };
}

/** Starts an HTTP server with an app listener of its own plus the test hub, on 127.0.0.1. */
export async function startHub(overrides: Partial<HubServerOptions<TestUser>> = {}): Promise<RunningHub> {
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain" }).end(`app:${req.url}`);
  });
  const probe: HubProbe = { connected: [], disconnected: [], holding: 0, release: () => undefined };
  const hub: HubServer<TestUser> = createHubServer<TestUser>({
    server,
    path: HUB_PATH,
    authenticate,
    methods: testMethods(() => hub, probe),
    onConnected: (connection: HubConnection<TestUser>) => {
      probe.connected.push(connection.user.id);
    },
    onDisconnected: (connection: HubConnection<TestUser>, error: Error | undefined) => {
      probe.disconnected.push({ userId: connection.user.id, error });
    },
    ...overrides,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    hub,
    probe,
    origin,
    url: `${origin}${HUB_PATH}`,
    async stop() {
      probe.release();
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The client's HTTP layer for negotiate, on Node's fetch. Why: under Node the client's default
 * FetchHttpClient does `require("tough-cookie")`, which here resolves to the 2.x copy hoisted for
 * azurite instead of the 4.x its own fetch-cookie needs, and every negotiate fails inside the
 * client. Only the HTTP call is replaced; negotiate, the WebSocket transport, the protocol and
 * reconnects are the client's own code.
 */
class NodeFetchHttpClient extends HttpClient {
  override async send(request: HttpRequest): Promise<HttpResponse> {
    const controller = new AbortController();
    let timedOut = false;
    if (request.abortSignal !== undefined) request.abortSignal.onabort = () => controller.abort();
    const timer =
      request.timeout === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, request.timeout);
    try {
      const response = await fetch(request.url ?? "", {
        method: request.method ?? "GET",
        headers: request.headers ?? {},
        body: request.content === "" || request.content === undefined ? null : request.content,
        signal: controller.signal,
      });
      // Long polling with a binary protocol asks for bytes; everything else is text.
      const content = request.responseType === "arraybuffer" ? await response.arrayBuffer() : await response.text();
      if (!response.ok) throw new HttpError(typeof content === "string" && content !== "" ? content : response.statusText, response.status);
      return new HttpResponse(response.status, response.statusText, content);
    } catch (error) {
      // The client tells a poll that timed out or was aborted from a failure by these two types.
      if (timedOut) throw new TimeoutError();
      if (controller.signal.aborted) throw new AbortError();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The official client, quiet, with a token when given and automatic reconnect when given delays. */
export function officialClient(
  url: string,
  token?: string,
  options: IHttpConnectionOptions = {},
  reconnectDelays?: number[],
  protocol?: IHubProtocol,
): ClientConnection {
  const built = new HubConnectionBuilder()
    .withUrl(url, {
      httpClient: new NodeFetchHttpClient(),
      ...(token === undefined ? {} : { accessTokenFactory: () => token }),
      ...options,
    })
    .configureLogging(LogLevel.None);
  const builder = protocol === undefined ? built : built.withHubProtocol(protocol);
  return (reconnectDelays === undefined ? builder : builder.withAutomaticReconnect(reconnectDelays)).build();
}

/** A plain `ws` client that speaks the protocol by hand, for what the official client never does. */
export class RawClient {
  readonly socket: WebSocket;
  readonly #received: unknown[] = [];
  readonly #waiters: (() => void)[] = [];
  readonly closed: Promise<number>;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.on("close", (code) => resolve(code)));
    socket.on("message", (data: Buffer) => {
      const text = data.toString("utf8");
      // A record split across messages would break the official client; surface it as a record.
      if (!text.endsWith("\x1e")) this.#received.push({ unterminated: text });
      else for (const record of text.split("\x1e").slice(0, -1)) this.#received.push(JSON.parse(record));
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** Opens a socket; rejects with `{status, body}` when the server refuses the upgrade. */
  static open(url: string, headers: Record<string, string> = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url.replace(/^http/, "ws"), { headers });
      socket.once("open", () => resolve(new RawClient(socket)));
      socket.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        res.on("end", () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body })));
      });
      socket.once("error", reject);
    });
  }

  /** Opens and completes the JSON handshake. */
  static async connect(url: string, headers: Record<string, string> = {}): Promise<RawClient> {
    const client = await RawClient.open(url, headers);
    client.send({ protocol: "json", version: 1 });
    const reply = await client.next();
    if (JSON.stringify(reply) !== "{}") throw new Error(`handshake failed: ${JSON.stringify(reply)}`);
    return client;
  }

  /** Sends each value as one record, all in one WebSocket message. */
  send(...messages: unknown[]): void {
    this.socket.send(messages.map((m) => `${JSON.stringify(m)}\x1e`).join(""));
  }

  /** The next record from the server that is not a Ping; fails after `timeoutMs`. */
  async next(timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = this.#received.shift();
      if (record !== undefined) {
        if ((record as { type?: unknown }).type !== 6) return record as Record<string, unknown>;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a record from the server");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Negotiates with fetch, as a browser would; returns the parsed JSON body and status. */
export async function negotiate(
  url: string,
  init: { token?: string; query?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers["authorization"] = `Bearer ${init.token}`;
  const response = await fetch(`${url}/negotiate${init.query ?? "?negotiateVersion=1"}`, { method: "POST", headers });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers };
}
