import type { Server } from "node:http";
import type { TokenVerifier } from "../../lib/auth/index.ts";
import { AppError, describeError } from "../../lib/errors/index.ts";
import type { Logger } from "../../lib/log/index.ts";
import { createHubServer, HubError } from "./signalr/index.ts";
import type { HubMethodContext, HubServer, RateLimit } from "./signalr/index.ts";
import { CHAT } from "./model.ts";
import type { ChatMessage, ChatUser, Participants } from "./model.ts";
import { createReorderBuffer } from "./ordering.ts";
import type { ChatRelay, ChatSink } from "./relay.ts";
import { roleOf } from "./store.ts";

/** The hub URL path; negotiate is at `/hubs/chat/negotiate`. */
export const CHAT_HUB_PATH = "/hubs/chat";

/** Hub settings the relay passes through (see the SignalR notes for the defaults). */
export interface ChatHubOptions {
  readonly maxConnectionsPerUser: number;
  readonly keepAliveMs?: number;
  readonly clientTimeoutMs?: number;
  /** Invocations per connection; default the hub's (20 at once, 10 per second). */
  readonly rateLimit?: RateLimit | false;
  /** Signs connection tokens; see `HubServerOptions.tokenSecret`. */
  readonly tokenSecret?: string;
}

/** The fan-out sink of one instance, plus what the hub's join tells it. */
export interface HubSink extends ChatSink {
  /** A connection is joining the request's group; pushes start after `lastSequence` when the group is new here. */
  opened(serviceRequestId: string, lastSequence: number): void;
  close(): void;
}

/** How long an out-of-order gap may stay open before it is read from the database. */
export const DEFAULT_GAP_TIMEOUT_MS = 150;

/**
 * The fan-out sink over a hub: pushes to the request's group in sequence order (through a
 * reorder buffer that fills gaps from the database), first dropping members who are no longer
 * participants (a reassigned technician).
 */
export function hubSink(
  hub: () => HubServer<ChatUser>,
  deps: {
    readonly catchUp: (serviceRequestId: string, after: number) => Promise<readonly ChatMessage[]>;
    readonly logger: Logger;
    readonly gapTimeoutMs?: number;
  },
): HubSink {
  const evict = (group: string, participants: Participants) => {
    const server = hub();
    const told = new Set<string>();
    for (const connectionId of server.groups.members(group)) {
      const connection = server.connection(connectionId);
      if (connection !== undefined && roleOf(participants, connection.user.id) !== undefined) continue;
      server.groups.remove(connectionId, group);
      if (connection !== undefined && !told.has(connection.user.id)) {
        told.add(connection.user.id);
        server.sendToUser(connection.user.id, CHAT.removedTarget, group);
      }
    }
  };
  const ordered = createReorderBuffer({
    gapTimeoutMs: deps.gapTimeoutMs ?? DEFAULT_GAP_TIMEOUT_MS,
    hasMembers: (group) => hub().groups.members(group).length > 0,
    catchUp: deps.catchUp,
    push(message, participants) {
      evict(message.serviceRequestId, participants);
      hub().sendToGroup(message.serviceRequestId, CHAT.receivedTarget, message);
    },
    onCatchUpError: (group, error) => deps.logger.warn({ err: describeError(error).message, serviceRequestId: group }, "chat catch-up failed; retrying"),
  });
  return {
    deliver: (message, participants) => ordered.arrived(message, participants),
    participantsChanged: evict,
    opened: (serviceRequestId, lastSequence) => ordered.opened(serviceRequestId, lastSequence),
    close: () => ordered.close(),
  };
}

/** Turns relay failures into hub errors: the caller sees the message, never internals. */
async function asHubCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    // Client errors and the relay's own (CHAT_*) outcomes are meant for the caller; the rest is masked.
    if (error instanceof AppError && (error.status < 500 || error.code.startsWith("CHAT_"))) {
      throw new HubError(error.message, { code: error.code, cause: error });
    }
    throw error;
  }
}

function sequenceArg(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new HubError("afterSequence must be a non-negative integer.");
  }
  return value;
}

function idArg(value: unknown): string {
  if (typeof value !== "string" || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
    throw new HubError("serviceRequestId must be a UUID.");
  }
  return value.toLowerCase();
}

/** The chat hub's methods over a relay. */
export function chatHubMethods(relay: ChatRelay, hub: () => HubServer<ChatUser>, sink: HubSink) {
  return {
    JoinServiceRequest: ({ connection, user, args }: HubMethodContext<ChatUser>) =>
      asHubCall(async () => {
        const id = idArg(args[0]);
        const after = sequenceArg(args[1]);
        const { lastSequence } = await relay.authorize(user, id);
        // Joined before reading, so nothing stored in between is missed (at worst seen twice).
        sink.opened(id, lastSequence);
        hub().groups.add(connection.id, id);
        return relay.history(user, id, after, CHAT.maxPage);
      }),
    LeaveServiceRequest: ({ connection, args }: HubMethodContext<ChatUser>) => {
      hub().groups.remove(connection.id, idArg(args[0]));
    },
    SendMessage: ({ user, args }: HubMethodContext<ChatUser>) =>
      asHubCall(() => relay.send(user, idArg(args[0]), args[1], args[2])),
  };
}

/** Serves the chat hub on `server` at {@link CHAT_HUB_PATH}, authenticating with the platform's JWTs. */
export function createChatHub(init: {
  readonly server: Server;
  readonly relay: ChatRelay;
  readonly sink: HubSink;
  readonly verifyToken: TokenVerifier;
  readonly logger: Logger;
  readonly options: ChatHubOptions;
}): HubServer<ChatUser> {
  const hub: HubServer<ChatUser> = createHubServer<ChatUser>({
    server: init.server,
    path: CHAT_HUB_PATH,
    logger: init.logger,
    async authenticate(token) {
      if (token === undefined) throw new AppError("AUTH_REQUIRED", "An access token is required.", { status: 401 });
      const principal = await init.verifyToken(token);
      return { id: principal.subject, role: principal.role };
    },
    methods: chatHubMethods(init.relay, () => hub, init.sink),
    maxConnectionsPerUser: init.options.maxConnectionsPerUser,
    ...(init.options.keepAliveMs === undefined ? {} : { keepAliveMs: init.options.keepAliveMs }),
    ...(init.options.clientTimeoutMs === undefined ? {} : { clientTimeoutMs: init.options.clientTimeoutMs }),
    ...(init.options.rateLimit === undefined ? {} : { rateLimit: init.options.rateLimit }),
    ...(init.options.tokenSecret === undefined ? {} : { tokenSecret: init.options.tokenSecret }),
  });
  return hub;
}
