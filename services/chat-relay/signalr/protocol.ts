import { AppError } from "../../../lib/errors/index.ts";

/** SignalR hub message type numbers (JSON hub protocol). */
export const MessageType = {
  Invocation: 1,
  StreamItem: 2,
  Completion: 3,
  StreamInvocation: 4,
  CancelInvocation: 5,
  Ping: 6,
  Close: 7,
  Ack: 8,
  Sequence: 9,
} as const;

/** Every JSON record, the handshake included, ends with this byte. */
export const RECORD_SEPARATOR = "\x1e";

/** The handshake reply that accepts the client. */
export const HANDSHAKE_OK = `{}${RECORD_SEPARATOR}`;

/** A Ping record, serialised once. */
export const PING_RECORD = `{"type":6}${RECORD_SEPARATOR}`;

/** One encoded message (or several) as a transport sends it: text for JSON, bytes for MessagePack. */
export type Encoded = string | Uint8Array;

/**
 * A hub protocol: how messages after the handshake are framed and encoded. The handshake itself
 * is JSON in every protocol.
 */
export interface HubProtocol {
  /** The name a client's handshake asks for. */
  readonly name: string;
  /** True for a binary protocol: WebSocket binary frames, and no Server-Sent Events. */
  readonly binary: boolean;
  /** A reader for one connection: decodes whole messages, keeps an incomplete tail for the next bytes. */
  reader(): (bytes: Buffer) => InboundMessage[];
  invocation(target: string, args: readonly unknown[]): Encoded;
  completion(invocationId: string, outcome: { result?: unknown; error?: string }): Encoded;
  readonly ping: Encoded;
  close(error: string | undefined, allowReconnect: boolean): Encoded;
}

/** A client → server invocation, validated. */
export interface InvocationMessage {
  readonly kind: "invocation";
  readonly invocationId: string | undefined;
  readonly target: string;
  readonly arguments: readonly unknown[];
  readonly streaming: boolean;
}

/** What the server does with each inbound record after the handshake. */
export type InboundMessage =
  | InvocationMessage
  | { readonly kind: "close"; readonly error: string | undefined }
  /** Ping, Ack, Sequence, CancelInvocation, StreamItem, Completion: accepted and not acted on. */
  | { readonly kind: "ignored"; readonly type: number };

/** A record the server cannot make sense of; the connection is closed with its message. */
export class ProtocolError extends AppError {
  constructor(message: string) {
    super("HUB_PROTOCOL_ERROR", message, { status: 400 });
    this.name = "ProtocolError";
  }
}

function parseObject(record: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(record);
  } catch (error) {
    throw new ProtocolError(`Invalid JSON in message: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProtocolError("A message must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

/** Reads the client's first record, `{"protocol":"json","version":1}`. */
export function parseHandshakeRequest(record: string): { protocol: string; version: number } {
  const body = parseObject(record);
  const { protocol, version } = body;
  if (typeof protocol !== "string" || typeof version !== "number") {
    throw new ProtocolError("The handshake request must have a string 'protocol' and a numeric 'version'.");
  }
  return { protocol, version };
}

function optionalInvocationId(body: Record<string, unknown>): string | undefined {
  const id = body["invocationId"];
  if (id === undefined) return undefined;
  if (typeof id !== "string" || id.length === 0) {
    throw new ProtocolError("'invocationId' must be a non-empty string.");
  }
  return id;
}

function parseInvocation(body: Record<string, unknown>, streaming: boolean): InvocationMessage {
  const invocationId = optionalInvocationId(body);
  const target = body["target"];
  const args = body["arguments"] ?? [];
  const streamIds = body["streamIds"];
  if (typeof target !== "string" || target.length === 0) {
    throw new ProtocolError("'target' must be a non-empty string.");
  }
  if (!Array.isArray(args)) throw new ProtocolError("'arguments' must be an array.");
  if (streaming && invocationId === undefined) {
    throw new ProtocolError("A StreamInvocation needs an 'invocationId'.");
  }
  const uploads = Array.isArray(streamIds) && streamIds.length > 0;
  return { kind: "invocation", invocationId, target, arguments: args as unknown[], streaming: streaming || uploads };
}

/** Parses and checks one hub message record (anything after the handshake). */
export function parseHubMessage(record: string): InboundMessage {
  return toInbound(parseObject(record));
}

/** Checks a decoded message of either protocol (MessagePack maps its arrays onto these names). */
export function toInbound(body: Record<string, unknown>): InboundMessage {
  const type = body["type"];
  switch (type) {
    case MessageType.Invocation:
      return parseInvocation(body, false);
    case MessageType.StreamInvocation:
      return parseInvocation(body, true);
    case MessageType.Close: {
      const error = body["error"];
      return { kind: "close", error: typeof error === "string" ? error : undefined };
    }
    default:
      if (typeof type !== "number") throw new ProtocolError("A message must have a numeric 'type'.");
      return { kind: "ignored", type };
  }
}

/** A server → client Invocation without `invocationId` (no reply expected). */
export function invocationRecord(target: string, args: readonly unknown[]): string {
  return JSON.stringify({ type: MessageType.Invocation, target, arguments: args }) + RECORD_SEPARATOR;
}

/** A Completion; `result` undefined means a void method. */
export function completionRecord(invocationId: string, outcome: { result?: unknown; error?: string }): string {
  const message =
    outcome.error === undefined
      ? { type: MessageType.Completion, invocationId, result: outcome.result }
      : { type: MessageType.Completion, invocationId, error: outcome.error };
  return JSON.stringify(message) + RECORD_SEPARATOR;
}

/** A Close message; `allowReconnect: true` makes clients with automatic reconnect come back. */
export function closeRecord(error: string | undefined, allowReconnect: boolean): string {
  const message: { type: number; error?: string; allowReconnect?: boolean } = { type: MessageType.Close };
  if (error !== undefined) message.error = error;
  if (allowReconnect) message.allowReconnect = true;
  return JSON.stringify(message) + RECORD_SEPARATOR;
}

/** The handshake reply that refuses the client; the server closes right after sending it. */
export function handshakeErrorRecord(error: string): string {
  return JSON.stringify({ error }) + RECORD_SEPARATOR;
}

const RS_BYTE = 0x1e;

/** The JSON hub protocol: records of UTF-8 JSON, each ending with 0x1E. */
export const jsonProtocol: HubProtocol = {
  name: "json",
  binary: false,
  reader() {
    let rest: Buffer = Buffer.alloc(0);
    return (bytes) => {
      const data = rest.length === 0 ? bytes : Buffer.concat([rest, bytes]);
      const messages: InboundMessage[] = [];
      let start = 0;
      // 0x1E never occurs inside a multi-byte UTF-8 sequence, so splitting bytes is safe.
      for (let end = data.indexOf(RS_BYTE); end >= 0; end = data.indexOf(RS_BYTE, start)) {
        messages.push(parseHubMessage(data.toString("utf8", start, end)));
        start = end + 1;
      }
      rest = data.subarray(start);
      return messages;
    };
  },
  invocation: invocationRecord,
  completion: completionRecord,
  ping: PING_RECORD,
  close: closeRecord,
};
