import { AppError } from "../../../lib/errors/index.ts";
import type { Logger } from "../../../lib/log/index.ts";
import { messagePackProtocol } from "./messagepack.ts";
import { HANDSHAKE_OK, ProtocolError, handshakeErrorRecord, jsonProtocol, parseHandshakeRequest } from "./protocol.ts";
import type { Encoded, HubProtocol, InboundMessage, InvocationMessage } from "./protocol.ts";
import type { HubTransport, TransportEvents } from "./transports.ts";

/** The hub protocols a client may ask for in its handshake, by name. */
const PROTOCOLS: ReadonlyMap<string, HubProtocol> = new Map([jsonProtocol, messagePackProtocol].map((p) => [p.name, p]));

/**
 * A message to many connections, encoded at most once per protocol (a group broadcast of one
 * message to JSON and MessagePack clients encodes it twice, not once per member).
 */
export class Outbound {
  readonly #encode: (protocol: HubProtocol) => Encoded;
  readonly #encoded = new Map<HubProtocol, Encoded>();

  constructor(encode: (protocol: HubProtocol) => Encoded) {
    this.#encode = encode;
  }

  /** The message in `protocol`'s encoding. */
  in(protocol: HubProtocol): Encoded {
    let encoded = this.#encoded.get(protocol);
    if (encoded === undefined) this.#encoded.set(protocol, (encoded = this.#encode(protocol)));
    return encoded;
  }
}

/** What the hub needs to know about an authenticated caller; the domain adds role and the like. */
export interface HubUser {
  readonly id: string;
}

/** Per-connection limits and timers, all in milliseconds or bytes. */
export interface ConnectionSettings {
  readonly keepAliveMs: number;
  readonly clientTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly maxMessageSize: number;
}

/** Callbacks from a connection to the hub that owns it. */
export interface ConnectionEvents<U extends HubUser> {
  /** The handshake succeeded. */
  connected(connection: HubConnection<U>): void;
  invocation(connection: HubConnection<U>, message: InvocationMessage): void;
  /** The socket is closed; `error` says why when it was not a normal close. */
  closed(connection: HubConnection<U>, error: Error | undefined): void;
}

type State = "handshake" | "open" | "closing" | "closed";

const NORMAL_CLOSE_CODES = new Set([1000, 1001, 1005]);

const HANDSHAKE_END = 0x1e;

/** A Ping, encoded once per protocol for every connection. */
const PING = new Outbound((protocol) => protocol.ping);

/**
 * One client of the hub over one transport (WebSockets, Server-Sent Events or long polling):
 * handshake, the protocol it chose (JSON or MessagePack), keep-alive and client timeout.
 * Invocations are handed to the hub; everything sent goes out as whole messages.
 */
export class HubConnection<U extends HubUser = HubUser> {
  /** Public id, used for groups; never the secret connection token. */
  readonly id: string;
  /** Who authenticated this connection. */
  readonly user: U;
  /** Per-connection state kept by the application (joined groups, last sequence seen, ...). */
  readonly items = new Map<string, unknown>();
  /** Resolves once the socket is closed (before `onDisconnected` has run). */
  readonly closed: Promise<void>;

  readonly #transport: HubTransport;
  readonly #settings: ConnectionSettings;
  readonly #events: ConnectionEvents<U>;
  readonly #logger: Logger;
  #state: State = "handshake";
  #handshakeBytes: Buffer = Buffer.alloc(0);
  #protocol: HubProtocol = jsonProtocol;
  #read: (bytes: Buffer) => InboundMessage[] = () => [];
  #error: Error | undefined;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #keepAliveTimer: NodeJS.Timeout | undefined;
  #clientTimer: NodeJS.Timeout | undefined;
  #resolveClosed: () => void = () => undefined;

  constructor(init: {
    id: string;
    user: U;
    /** Opens the transport with this connection's event handlers. */
    transport: (events: TransportEvents) => HubTransport;
    settings: ConnectionSettings;
    events: ConnectionEvents<U>;
    logger: Logger;
  }) {
    this.id = init.id;
    this.user = init.user;
    this.#settings = init.settings;
    this.#events = init.events;
    this.#logger = init.logger;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#transport = init.transport({
      received: (bytes, frame) => this.#onData(bytes, frame),
      ended: (code, error) => this.#onTransportEnded(code, error),
    });
    this.#handshakeTimer = setTimeout(() => this.#refuse("Handshake timed out."), init.settings.handshakeTimeoutMs).unref();
  }

  /** True between a successful handshake and the start of closing. */
  get isOpen(): boolean {
    return this.#state === "open";
  }

  /** The transport's name: WebSockets, ServerSentEvents or LongPolling. */
  get transport(): HubTransport["name"] {
    return this.#transport.name;
  }

  /** The hub protocol the client chose (json until the handshake says otherwise). */
  get protocol(): string {
    return this.#protocol.name;
  }

  /** Calls `target` on the client (an Invocation without id); false when the connection is not open. */
  send(target: string, ...args: unknown[]): boolean {
    return this.sendOutbound(new Outbound((protocol) => protocol.invocation(target, args)));
  }

  /** Sends a message encoded once per protocol; lets a broadcast encode once. */
  sendOutbound(message: Outbound): boolean {
    if (this.#state !== "open") return false;
    this.#transport.send(message.in(this.#protocol));
    this.#keepAliveTimer?.refresh();
    return true;
  }

  /** Answers an invocation; throws when the result cannot be encoded (the caller answers with an error instead). */
  sendCompletion(invocationId: string, outcome: { result?: unknown; error?: string }): boolean {
    if (this.#state !== "open") return false;
    this.#transport.send(this.#protocol.completion(invocationId, outcome));
    this.#keepAliveTimer?.refresh();
    return true;
  }

  /** Bytes the client POSTed (Server-Sent Events and long polling). */
  receive(bytes: Buffer): void {
    this.#onData(bytes, "http");
  }

  /**
   * Sends a Close message and closes the socket. With `allowReconnect`, clients built with
   * `withAutomaticReconnect()` negotiate a new connection.
   */
  close(error?: string, allowReconnect = false): void {
    if (this.#state === "handshake") {
      this.#refuse(error ?? "The server closed the connection.");
      return;
    }
    if (this.#state !== "open") return;
    this.#error ??= error === undefined ? undefined : new Error(error);
    this.#state = "closing";
    this.#stopTimers();
    this.#transport.send(this.#protocol.close(error, allowReconnect));
    this.#transport.close();
  }

  /** Drops the socket without a Close message, as a network failure would. */
  abort(reason = "The connection was aborted by the server."): void {
    if (this.#state === "closed") return;
    this.#error ??= new Error(reason);
    this.#state = "closing";
    this.#stopTimers();
    this.#transport.terminate();
  }

  #onData(bytes: Buffer, frame: "text" | "binary" | "http"): void {
    if (this.#state !== "handshake" && this.#state !== "open") return;
    this.#clientTimer?.refresh();
    if (this.#state === "open" && frame === "binary" && !this.#protocol.binary) {
      this.#fail("Binary messages are not supported by the JSON hub protocol.");
      return;
    }
    if (bytes.length + this.#handshakeBytes.length > this.#settings.maxMessageSize) {
      this.#fail(`Message exceeds the maximum size of ${this.#settings.maxMessageSize} bytes.`);
      return;
    }
    let rest = bytes;
    if (this.#state === "handshake") {
      const data = Buffer.concat([this.#handshakeBytes, bytes]);
      const end = data.indexOf(HANDSHAKE_END);
      if (end < 0) {
        this.#handshakeBytes = data;
        return;
      }
      this.#handshakeBytes = Buffer.alloc(0);
      // The handshake is JSON in every protocol; what follows it is in the chosen protocol.
      if (!this.#handshake(data.toString("utf8", 0, end))) return;
      rest = data.subarray(end + 1);
    }
    this.#dispatchAll(rest);
  }

  #handshake(record: string): boolean {
    let request: { protocol: string; version: number };
    try {
      request = parseHandshakeRequest(record);
    } catch (error) {
      this.#refuse((error as Error).message);
      return false;
    }
    const protocol = PROTOCOLS.get(request.protocol);
    if (protocol === undefined || (protocol.binary && this.#transport.name === "ServerSentEvents")) {
      this.#refuse(`The protocol '${request.protocol}' is not supported.`);
      return false;
    }
    if (request.version !== 1) {
      this.#refuse(`The server does not support version ${request.version} of the '${request.protocol}' protocol.`);
      return false;
    }
    clearTimeout(this.#handshakeTimer);
    this.#protocol = protocol;
    this.#read = protocol.reader();
    this.#state = "open";
    this.#transport.send(HANDSHAKE_OK);
    this.#keepAliveTimer = setTimeout(() => this.sendOutbound(PING), this.#settings.keepAliveMs).unref();
    this.#clientTimer = setTimeout(() => this.#clientTimedOut(), this.#settings.clientTimeoutMs).unref();
    this.#events.connected(this);
    return true;
  }

  #dispatchAll(bytes: Buffer): void {
    if (bytes.length === 0) return;
    let messages: InboundMessage[];
    try {
      messages = this.#read(bytes);
    } catch (error) {
      this.#fail((error as Error).message);
      return;
    }
    for (const message of messages) {
      if (this.#state !== "open") return;
      this.#dispatch(message);
    }
  }

  #dispatch(message: InboundMessage): void {
    switch (message.kind) {
      case "invocation":
        this.#events.invocation(this, message);
        return;
      case "close":
        // The client said goodbye; its error (if any) is why, for onDisconnected.
        this.#error ??= message.error === undefined ? undefined : new Error(message.error);
        this.#state = "closing";
        this.#stopTimers();
        this.#transport.close();
        return;
      case "ignored":
        return;
    }
  }

  #clientTimedOut(): void {
    const message = `No message received from the client within ${this.#settings.clientTimeoutMs} ms.`;
    this.#error ??= new AppError("HUB_CLIENT_TIMEOUT", message, { retryable: true });
    this.close(message);
  }

  #fail(message: string): void {
    this.#logger.debug({ connectionId: this.id, reason: message }, "closing hub connection after a protocol error");
    this.#error ??= new ProtocolError(message);
    this.close(message);
  }

  /** Answers a failed handshake with `{"error": ...}` and closes, as the spec asks. */
  #refuse(message: string): void {
    if (this.#state !== "handshake") return;
    this.#error ??= new ProtocolError(message);
    this.#state = "closing";
    this.#stopTimers();
    this.#transport.send(handshakeErrorRecord(message));
    this.#transport.close();
  }

  #stopTimers(): void {
    clearTimeout(this.#handshakeTimer);
    clearTimeout(this.#keepAliveTimer);
    clearTimeout(this.#clientTimer);
  }

  #onTransportEnded(code: number | undefined, error: Error | undefined): void {
    if (this.#state === "closed") return;
    const wasClosing = this.#state === "closing";
    this.#state = "closed";
    this.#stopTimers();
    this.#error ??= error;
    if (!wasClosing && this.#error === undefined && code !== undefined && !NORMAL_CLOSE_CODES.has(code)) {
      this.#error = new Error(`The WebSocket closed with status code ${code}.`);
    }
    this.#events.closed(this, this.#error);
    this.#resolveClosed();
  }
}
