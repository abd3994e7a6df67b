import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A connection token this hub (or another instance with the same secret) issued, checked. */
export type TokenCheck =
  | { readonly ok: true; readonly connectionId: string; readonly expiresAt: number }
  | { readonly ok: false; readonly reason: "malformed" | "forged" | "expired" };

/**
 * Stateless connection tokens: any instance that shares the secret can accept a token another
 * one handed out at negotiate, so no sticky sessions are needed. Layout, base64url-encoded:
 * version (1 byte) | expiry in ms since the epoch (8) | connection id (16) | HMAC-SHA256 (32)
 * over the first 25 bytes and the user id, so a token only works for the user who negotiated it.
 */
export interface ConnectionTokens {
  /** A new public connection id and its secret token for `userId`, valid for the token lifetime. */
  issue(userId: string): { readonly connectionId: string; readonly token: string };
  /** Checks a token for `userId`; the connection id it names when it is genuine and unexpired. */
  check(token: string, userId: string): TokenCheck;
}

const VERSION = 1;
const HEADER_BYTES = 1 + 8 + 16;
const MAC_BYTES = 32;

/**
 * Tokens signed with a key derived from `secret` (the platform's JWT secret or a relay secret),
 * so the MAC can never be mistaken for a JWT signature. Without a secret the key is random:
 * tokens then work on this instance only.
 */
export function connectionTokens(secret: string | undefined, lifetimeMs: number, now: () => number = Date.now): ConnectionTokens {
  const key = createHmac("sha256", secret ?? randomBytes(32)).update("signalr-connection-token/v1").digest();
  const mac = (header: Buffer, userId: string) => createHmac("sha256", key).update(header).update(userId, "utf8").digest();
  return {
    issue(userId) {
      const header = Buffer.alloc(HEADER_BYTES);
      header.writeUInt8(VERSION, 0);
      header.writeBigUInt64BE(BigInt(now() + lifetimeMs), 1);
      randomBytes(16).copy(header, 9);
      return {
        connectionId: header.subarray(9).toString("base64url"),
        token: Buffer.concat([header, mac(header, userId)]).toString("base64url"),
      };
    },
    check(token, userId) {
      const bytes = /^[\w-]+$/.test(token) ? Buffer.from(token, "base64url") : Buffer.alloc(0);
      if (bytes.length !== HEADER_BYTES + MAC_BYTES || bytes.readUInt8(0) !== VERSION) return { ok: false, reason: "malformed" };
      const header = bytes.subarray(0, HEADER_BYTES);
      if (!timingSafeEqual(bytes.subarray(HEADER_BYTES), mac(header, userId))) return { ok: false, reason: "forged" };
      const expiresAt = Number(header.readBigUInt64BE(1));
      if (expiresAt <= now()) return { ok: false, reason: "expired" };
      return { ok: true, connectionId: header.subarray(9).toString("base64url"), expiresAt };
    },
  };
}
