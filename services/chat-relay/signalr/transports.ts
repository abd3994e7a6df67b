import type { ServerResponse } from "node:http";
import type { RawData, WebSocket } from "ws";
import type { Encoded } from "./protocol.ts";

/** The SignalR transport names, as negotiate lists them. */
export const TransportName = {
  WebSockets: "WebSockets",
  ServerSentEvents: "ServerSentEvents",
  LongPolling: "LongPolling",
} as const;
export type TransportName = (typeof TransportName)[keyof typeof TransportName];

/** How a transport reports to the connection on it. */
export interface TransportEvents {
  /** Bytes from the client; `frame` is the WebSocket frame kind, `http` for a POST body. */
  received(bytes: Buffer, frame: "text" | "binary" | "http"): void;
  /** The transport is gone; `code` is the WebSocket close code when there was one. */
  ended(code?: number, error?: Error): void;
}

/** What a hub connection needs from the transport under it. */
export interface HubTransport {
  readonly name: TransportName;
  /** Sends whole encoded messages; the transport never splits one. */
  send(data: Encoded): void;
  /** Ends the transport once what was sent is on its way. */
  close(): void;
  /** Drops the transport at once, as a network failure would. */
  terminate(): void;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** A WebSocket: one frame per send, text for JSON and binary for MessagePack. */
export function webSocketTransport(socket: WebSocket): (events: TransportEvents) => HubTransport {
  return (events) => {
    let error: Error | undefined;
    socket.on("message", (data, isBinary) => events.received(toBuffer(data), isBinary ? "binary" : "text"));
    socket.on("error", (e) => (error ??= e));
    socket.on("close", (code) => events.ended(code, error));
    return {
      name: TransportName.WebSockets,
      send: (data) => socket.send(data),
      close: () => socket.close(1000),
      terminate: () => socket.terminate(),
    };
  };
}

/**
 * Server-Sent Events: the response stays open and each send is one event (text protocols
 * only). Client-to-server messages arrive as POSTs, which the hub hands to the connection.
 */
export function serverSentEventsTransport(res: ServerResponse, headers: Record<string, string>): (events: TransportEvents) => HubTransport {
  return (events) => {
    res.writeHead(200, {
      ...headers,
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      // Proxies (nginx) would otherwise buffer the stream and hold every push back.
      "x-accel-buffering": "no",
    });
    res.flushHeaders();
    res.on("close", () => events.ended());
    return {
      name: TransportName.ServerSentEvents,
      send(data) {
        const text = typeof data === "string" ? data : Buffer.from(data).toString("utf8");
        res.write(`data: ${text.split("\n").join("\ndata: ")}\n\n`);
      },
      close: () => res.end(),
      terminate: () => res.destroy(),
    };
  };
}

/** Long-polling settings. */
export interface LongPollingSettings {
  /** A poll with nothing to send is answered empty after this long; the client polls again. */
  readonly pollTimeoutMs: number;
  /** After the server closes, how long it waits for the poll that fetches the Close message. */
  readonly lingerMs: number;
}

/**
 * Long polling: sends are queued and each GET takes everything queued, waiting up to the poll
 * timeout when there is nothing. A closing connection answers its last poll with 204.
 */
export class LongPollingTransport implements HubTransport {
  readonly name = TransportName.LongPolling;
  readonly #events: TransportEvents;
  readonly #settings: LongPollingSettings;
  readonly #queue: Encoded[] = [];
  #poll: { res: ServerResponse; timer: NodeJS.Timeout } | undefined;
  #closing = false;
  #ended = false;
  #linger: NodeJS.Timeout | undefined;

  constructor(events: TransportEvents, settings: LongPollingSettings) {
    this.#events = events;
    this.#settings = settings;
  }

  /** A GET from the client. */
  poll(res: ServerResponse): void {
    this.#answer(200);
    if (this.#ended) {
      res.writeHead(204).end();
    } else if (this.#queue.length > 0) {
      this.#flush(res);
    } else if (this.#closing) {
      res.writeHead(204).end();
      this.#end();
    } else {
      const timer = setTimeout(() => this.#answer(200), this.#settings.pollTimeoutMs);
      this.#poll = { res, timer };
      res.on("close", () => {
        if (this.#poll?.res === res) {
          clearTimeout(timer);
          this.#poll = undefined;
        }
      });
    }
  }

  /** A DELETE from the client: it stopped. */
  deleted(): void {
    this.#answer(204);
    this.#end();
  }

  send(data: Encoded): void {
    if (this.#ended) return;
    this.#queue.push(data);
    const poll = this.#take();
    if (poll !== undefined) this.#flush(poll);
  }

  close(): void {
    if (this.#closing || this.#ended) return;
    this.#closing = true;
    if (this.#queue.length === 0) {
      this.#answer(204);
      if (!this.#ended) this.#linger = setTimeout(() => this.#end(), this.#settings.lingerMs).unref();
    } else {
      this.#linger = setTimeout(() => this.#end(), this.#settings.lingerMs).unref();
    }
  }

  terminate(): void {
    this.#take()?.destroy();
    this.#end();
  }

  #take(): ServerResponse | undefined {
    const poll = this.#poll;
    if (poll === undefined) return undefined;
    clearTimeout(poll.timer);
    this.#poll = undefined;
    return poll.res;
  }

  /** Answers a waiting poll without data: 200 means poll again, 204 means the connection is over. */
  #answer(status: 200 | 204): void {
    const res = this.#take();
    if (res === undefined) return;
    res.writeHead(status, status === 200 ? { "content-length": 0 } : {}).end();
    if (status === 204) this.#end();
  }

  #flush(res: ServerResponse): void {
    const parts = this.#queue.splice(0);
    const body = Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part, "utf8") : part)));
    // The handshake reply is text in every protocol; anything binary after it makes the body binary.
    const binary = parts.some((part) => typeof part !== "string");
    const contentType = binary ? "application/octet-stream" : "text/plain; charset=utf-8";
    res.writeHead(200, { "content-type": contentType, "content-length": body.length, "cache-control": "no-store" }).end(body);
  }

  #end(): void {
    clearTimeout(this.#linger);
    if (this.#ended) return;
    this.#ended = true;
    this.#events.ended();
  }
}
