import { STATUS_CODES } from "node:http";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** Who may call the hub from a browser: `"*"` echoes any origin, or a list of exact origins. */
export type AllowedOrigins = "*" | readonly string[];

/** Every transport and format the hub serves; Server-Sent Events carry text only. */
const TRANSPORTS = [
  { transport: "WebSockets", transferFormats: ["Text", "Binary"] },
  { transport: "ServerSentEvents", transferFormats: ["Text"] },
  { transport: "LongPolling", transferFormats: ["Text", "Binary"] },
] as const;

/** Headers the official client sends; a preflight must allow them. */
const ALLOWED_HEADERS = "Authorization, Content-Type, X-Requested-With, X-SignalR-User-Agent";

/** The bearer token from `Authorization`, else from `access_token` (browsers cannot set WebSocket headers). */
export function extractAccessToken(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1] !== undefined) return match[1];
  }
  return url.searchParams.get("access_token") ?? undefined;
}

/** The negotiate version to answer with: 0 when not asked, capped at 1; undefined when malformed. */
export function negotiateVersionOf(url: URL): number | undefined {
  const raw = url.searchParams.get("negotiateVersion");
  if (raw === null) return 0;
  if (!/^\d{1,9}$/.test(raw)) return undefined;
  return Math.min(Number(raw), 1);
}

/** The negotiate response; version 0 has no separate token (the id is both). */
export function negotiateBody(version: number, connectionId: string, connectionToken: string): object {
  if (version === 0) return { negotiateVersion: 0, connectionId, availableTransports: TRANSPORTS };
  return { negotiateVersion: 1, connectionId, connectionToken, availableTransports: TRANSPORTS };
}

/** True when the request's origin (if any) may use the hub. */
export function originAllowed(req: IncomingMessage, allowed: AllowedOrigins): boolean {
  const origin = req.headers.origin;
  return origin === undefined || allowed === "*" || allowed.includes(origin);
}

/**
 * CORS headers for a hub response. The client sends credentials by default, so the origin is
 * echoed rather than `*` (browsers reject `*` with credentials).
 */
export function corsHeaders(req: IncomingMessage, allowed: AllowedOrigins): OutgoingHttpHeaders {
  const origin = req.headers.origin;
  if (origin === undefined || !originAllowed(req, allowed)) return {};
  return { "access-control-allow-origin": origin, "access-control-allow-credentials": "true", vary: "Origin" };
}

/** Answers a CORS preflight for the negotiate endpoint. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, allowed: AllowedOrigins): void {
  const headers = corsHeaders(req, allowed);
  if (headers["access-control-allow-origin"] !== undefined) {
    headers["access-control-allow-methods"] = "POST, GET, OPTIONS";
    headers["access-control-allow-headers"] = ALLOWED_HEADERS;
    headers["access-control-max-age"] = "600";
  }
  res.writeHead(204, headers).end();
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: object, headers: OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      ...headers,
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-store",
    })
    .end(text);
}

/** Refuses a WebSocket upgrade with a plain HTTP response carrying `{error}`. */
export function rejectUpgrade(socket: Duplex, status: number, error: string): void {
  if (socket.destroyed) return;
  const text = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
      "Connection: close\r\n" +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n` +
      text,
  );
}
