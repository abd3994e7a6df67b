import type { RawData, WebSocket } from "ws";
import { AppError } from "../../../lib/errors/index.ts";
import type { Logger } from "../../../lib/log/index.ts";
import {
  HANDSHAKE_OK,
  PING_RECORD,
  ProtocolError,
  closeRecord,
  handshakeErrorRecord,
  invocationRecord,
  parseHandshakeRequest,
  parseHubMessage,
  splitRecords,
} from "./protocol.ts";
import type { InvocationMessage } from "./protocol.ts";

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

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/**
 * One client of the hub over one WebSocket: handshake, record framing, keep-alive and client
 * timeout. Invocations are handed to the hub; everything sent goes out as whole records.
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

  readonly #socket: WebSocket;
  readonly #settings: ConnectionSettings;
  readonly #events: ConnectionEvents<U>;
  readonly #logger: Logger;
  #state: State = "handshake";
  #unterminated = "";
  #error: Error | undefined;
  #handshakeTimer: NodeJS.Timeout | undefined;
  #keepAliveTimer: NodeJS.Timeout | undefined;
  #clientTimer: NodeJS.Timeout | undefined;
  #resolveClosed: () => void = () => undefined;

  constructor(init: {
    id: string;
    user: U;
    socket: WebSocket;
    settings: ConnectionSettings;
    events: ConnectionEvents<U>;
    logger: Logger;
  }) {
    this.id = init.id;
    this.user = init.user;
    this.#socket = init.socket;
    this.#settings = init.settings;
    this.#events = init.events;
    this.#logger = init.logger;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#socket.on("message", (data, isBinary) => this.#onData(data, isBinary));
    this.#socket.on("error", (error) => (this.#error ??= error));
    this.#socket.on("close", (code) => this.#onSocketClosed(code));
    this.#handshakeTimer = setTimeout(() => this.#refuse("Handshake timed out."), init.settings.handshakeTimeoutMs).unref();
  }

  /** True between a successful handshake and the start of closing. */
  get isOpen(): boolean {
    return this.#state === "open";
  }

  /** Calls `target` on the client (an Invocation without id); false when the connection is not open. */
  send(target: string, ...args: unknown[]): boolean {
    return this.sendRecord(invocationRecord(target, args));
  }

  /** Sends one or more complete, already serialised records; lets a broadcast serialise once. */
  sendRecord(record: string): boolean {
    if (this.#state !== "open") return false;
    this.#socket.send(record);
    this.#keepAliveTimer?.refresh();
    return true;
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
    this.#socket.send(closeRecord(error, allowReconnect));
    this.#socket.close(1000);
  }

  /** Drops the socket without a Close message, as a network failure would. */
  abort(reason = "The connection was aborted by the server."): void {
    if (this.#state === "closed") return;
    this.#error ??= new Error(reason);
    this.#state = "closing";
    this.#stopTimers();
    this.#socket.terminate();
  }

  #onData(data: RawData, isBinary: boolean): void {
    if (this.#state !== "handshake" && this.#state !== "open") return;
    this.#clientTimer?.refresh();
    if (isBinary) {
      this.#fail("Binary messages are not supported by the JSON hub protocol.");
      return;
    }
    const bytes = toBuffer(data);
    if (bytes.length + this.#unterminated.length > this.#settings.maxMessageSize) {
      this.#fail(`Message exceeds the maximum size of ${this.#settings.maxMessageSize} bytes.`);
      return;
    }
    const { records, rest } = splitRecords(this.#unterminated + bytes.toString("utf8"));
    this.#unterminated = rest;
    for (const record of records) {
      if (this.#state === "handshake") this.#handshake(record);
      else if (this.#state === "open") this.#dispatch(record);
      else return;
    }
  }

  #handshake(record: string): void {
    let request: { protocol: string; version: number };
    try {
      request = parseHandshakeRequest(record);
    } catch (error) {
      this.#refuse((error as Error).message);
      return;
    }
    if (request.protocol !== "json") {
      this.#refuse(`The protocol '${request.protocol}' is not supported.`);
      return;
    }
    if (request.version !== 1) {
      this.#refuse(`The server does not support version ${request.version} of the 'json' protocol.`);
      return;
    }
    clearTimeout(this.#handshakeTimer);
    this.#state = "open";
    this.#socket.send(HANDSHAKE_OK);
    this.#keepAliveTimer = setTimeout(() => this.sendRecord(PING_RECORD), this.#settings.keepAliveMs).unref();
    this.#clientTimer = setTimeout(() => this.#clientTimedOut(), this.#settings.clientTimeoutMs).unref();
    this.#events.connected(this);
  }

  #dispatch(record: string): void {
    let message: ReturnType<typeof parseHubMessage>;
    try {
      message = parseHubMessage(record);
    } catch (error) {
      this.#fail((error as Error).message);
      return;
    }
    switch (message.kind) {
      case "invocation":
        this.#events.invocation(this, message);
        return;
      case "close":
        // The client said goodbye; its error (if any) is why, for onDisconnected.
        this.#error ??= message.error === undefined ? undefined : new Error(message.error);
        this.#state = "closing";
        this.#stopTimers();
        this.#socket.close(1000);
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
    this.#socket.send(handshakeErrorRecord(message));
    this.#socket.close(1000);
  }

  #stopTimers(): void {
    clearTimeout(this.#handshakeTimer);
    clearTimeout(this.#keepAliveTimer);
    clearTimeout(this.#clientTimer);
  }

  #onSocketClosed(code: number): void {
    const wasClosing = this.#state === "closing";
    this.#state = "closed";
    this.#stopTimers();
    if (!wasClosing && this.#error === undefined && !NORMAL_CLOSE_CODES.has(code)) {
      this.#error = new Error(`The WebSocket closed with status code ${code}.`);
    }
    this.#events.closed(this, this.#error);
    this.#resolveClosed();
  }
}
