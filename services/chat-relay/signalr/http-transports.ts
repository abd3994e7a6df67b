import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { HubConnection, HubUser } from "./connection.ts";
import { sendJson } from "./http.ts";
import type { Slot } from "./slots.ts";
import { LongPollingTransport, TransportName, serverSentEventsTransport } from "./transports.ts";
import type { HubTransport, LongPollingSettings, TransportEvents } from "./transports.ts";

/** A refused request: its status and the `{error}` it gets. */
export type Refusal = { readonly status: number; readonly error: string };

/** What the HTTP transports need from the hub. */
export interface HttpTransportHost<U extends HubUser> {
  authenticate(req: IncomingMessage, url: URL): Promise<{ user: U } | Refusal>;
  /** The slot of a connection token; creates it for a negotiated or adopted token. */
  claim(token: string, user: U): Slot<U> | Refusal;
  byToken(token: string): Slot<U> | undefined;
  attach(slot: Slot<U>, transport: (events: TransportEvents) => HubTransport): HubConnection<U>;
  readonly longPolling: LongPollingSettings;
  /** Largest POST body accepted. */
  readonly maxMessageSize: number;
}

/**
 * Server-Sent Events and long polling at the hub URL: `GET` opens an event stream (with
 * `Accept: text/event-stream`) or polls, `POST` carries client messages, `DELETE` ends a
 * long-polling connection. Every request is authenticated, and must be the token's user.
 */
export async function serveHttpTransport<U extends HubUser>(
  host: HttpTransportHost<U>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  cors: OutgoingHttpHeaders,
): Promise<void> {
  const token = url.searchParams.get("id");
  if (token === null) return sendJson(res, 400, { error: "A connection id is required; negotiate first, or use a WebSocket." }, cors);
  if (req.method !== "GET" && req.method !== "POST" && req.method !== "DELETE") {
    return sendJson(res, 405, { error: "The hub takes GET, POST and DELETE." }, { ...cors, allow: "GET, POST, DELETE" });
  }
  const auth = await host.authenticate(req, url);
  if ("error" in auth) return sendJson(res, auth.status, { error: auth.error }, cors);
  const existing = host.byToken(token);
  if (req.method === "GET" && (existing === undefined || existing.state === "negotiated")) return open(host, req, res, token, auth.user, cors);
  if (existing === undefined || existing.connection === undefined) {
    return sendJson(res, 404, { error: "No connection with this id; negotiate again." }, cors);
  }
  if (existing.user.id !== auth.user.id) return sendJson(res, 403, { error: "The connection was negotiated by another user." }, cors);
  const connection = existing.connection;
  if (req.method === "POST") {
    if (connection.transport === TransportName.WebSockets) return sendJson(res, 400, { error: "This connection uses a WebSocket." }, cors);
    const body = await readBody(req, host.maxMessageSize * 2);
    if (body === undefined) return sendJson(res, 413, { error: "The message is too large." }, cors);
    connection.receive(body);
    res.writeHead(200, { ...cors, "content-length": 0 }).end();
    return;
  }
  const polling = existing.longPolling;
  if (polling === undefined) return sendJson(res, 400, { error: "This connection does not use long polling." }, cors);
  if (req.method === "DELETE") {
    polling.deleted();
    res.writeHead(202, { ...cors, "content-length": 0 }).end();
    return;
  }
  for (const [name, value] of Object.entries(cors)) if (value !== undefined) res.setHeader(name, value);
  polling.poll(res);
}

/** The first GET of a connection: opens the event stream, or answers the first poll at once. */
function open<U extends HubUser>(host: HttpTransportHost<U>, req: IncomingMessage, res: ServerResponse, token: string, user: U, cors: OutgoingHttpHeaders): void {
  const claimed = host.claim(token, user);
  if ("error" in claimed) return sendJson(res, claimed.status, { error: claimed.error }, cors);
  const headers = Object.fromEntries(Object.entries(cors).map(([name, value]) => [name, String(value)]));
  if ((req.headers.accept ?? "").includes("text/event-stream")) {
    host.attach(claimed, serverSentEventsTransport(res, headers));
    return;
  }
  host.attach(claimed, (events) => (claimed.longPolling = new LongPollingTransport(events, host.longPolling)));
  // The client waits for this first poll before it sends its handshake.
  res.writeHead(200, { ...headers, "content-length": 0 }).end();
}

/** The request body, or undefined when it exceeds `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
