import { Decoder, Encoder } from "@msgpack/msgpack";
import { MessageType, ProtocolError, toInbound } from "./protocol.ts";
import type { HubProtocol, InboundMessage } from "./protocol.ts";

/** Completion result kinds of the MessagePack hub protocol. */
const RESULT = { error: 1, void: 2, value: 3 } as const;

/** A VarInt length prefix has at most 5 bytes (messages up to 2 GiB). */
const MAX_PREFIX_BYTES = 5;

const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();

/** One message framed as the protocol wants it: its length as a VarInt (7 bits a byte, low first), then the bytes. */
function frame(value: unknown): Uint8Array {
  const payload = encoder.encode(value);
  const prefix: number[] = [];
  let size = payload.length;
  do {
    let part = size & 0x7f;
    size >>>= 7;
    if (size > 0) part |= 0x80;
    prefix.push(part);
  } while (size > 0);
  const framed = new Uint8Array(prefix.length + payload.length);
  framed.set(prefix, 0);
  framed.set(payload, prefix.length);
  return framed;
}

/** The length prefix at `offset`: the payload size and where it starts, or undefined when incomplete. */
function readPrefix(data: Buffer, offset: number): { size: number; start: number } | undefined {
  let size = 0;
  for (let n = 0; n < MAX_PREFIX_BYTES; n++) {
    const byte = data[offset + n];
    if (byte === undefined) return undefined;
    size += (byte & 0x7f) * 2 ** (7 * n);
    if ((byte & 0x80) === 0) return { size, start: offset + n + 1 };
  }
  throw new ProtocolError("Messages bigger than 2GB are not supported.");
}

/** Maps the array form `[type, headers, invocationId, target, arguments, streamIds?]` (and the short ones) onto field names. */
function fromArray(decoded: unknown): InboundMessage {
  if (!Array.isArray(decoded) || decoded.length === 0) throw new ProtocolError("A MessagePack hub message must be a non-empty array.");
  const [type] = decoded as unknown[];
  switch (type) {
    case MessageType.Invocation:
    case MessageType.StreamInvocation: {
      const [, , invocationId, target, args, streamIds] = decoded as unknown[];
      return toInbound({ type, invocationId: invocationId ?? undefined, target, arguments: args, streamIds });
    }
    case MessageType.Close:
      return toInbound({ type, error: (decoded as unknown[])[1] ?? undefined });
    default:
      return toInbound({ type });
  }
}

/** The MessagePack hub protocol (`@microsoft/signalr-protocol-msgpack`): VarInt-length-prefixed MessagePack arrays. */
export const messagePackProtocol: HubProtocol = {
  name: "messagepack",
  binary: true,
  reader() {
    let rest: Buffer = Buffer.alloc(0);
    return (bytes) => {
      const data = rest.length === 0 ? bytes : Buffer.concat([rest, bytes]);
      const messages: InboundMessage[] = [];
      let offset = 0;
      for (let prefix = readPrefix(data, 0); prefix !== undefined && prefix.start + prefix.size <= data.length; prefix = readPrefix(data, offset)) {
        let decoded: unknown;
        try {
          decoded = decoder.decode(data.subarray(prefix.start, prefix.start + prefix.size));
        } catch (error) {
          throw new ProtocolError(`Invalid MessagePack in message: ${(error as Error).message}`);
        }
        messages.push(fromArray(decoded));
        offset = prefix.start + prefix.size;
      }
      rest = data.subarray(offset);
      return messages;
    };
  },
  invocation: (target, args) => frame([MessageType.Invocation, {}, null, target, args]),
  completion(invocationId, outcome) {
    if (outcome.error !== undefined) return frame([MessageType.Completion, {}, invocationId, RESULT.error, outcome.error]);
    if (outcome.result === undefined) return frame([MessageType.Completion, {}, invocationId, RESULT.void]);
    return frame([MessageType.Completion, {}, invocationId, RESULT.value, outcome.result]);
  },
  ping: frame([MessageType.Ping]),
  close: (error, allowReconnect) => frame([MessageType.Close, error ?? null, allowReconnect]),
};
