import type { Server } from "node:http";
import type { TokenVerifier } from "../../lib/auth/index.ts";
import { AppError } from "../../lib/errors/index.ts";
import type { Logger } from "../../lib/log/index.ts";
import { createHubServer, HubError } from "./signalr/index.ts";
import type { HubMethodContext, HubServer, RateLimit } from "./signalr/index.ts";
import { CHAT } from "./model.ts";
import type { ChatMessage, ChatUser, Participants } from "./model.ts";
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
}

/** Message ids this instance pushed lately, per group, so a redelivered fan-out is not pushed twice. */
const RECENT_PER_GROUP = 256;

/**
 * The fan-out sink over a hub: pushes to the request's group, first dropping members who are no
 * longer participants (a reassigned technician), and skips messages it already pushed.
 */
export function hubSink(hub: () => HubServer<ChatUser>): ChatSink {
  const recent = new Map<string, Set<string>>();
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
  return {
    deliver(message: ChatMessage, participants: Participants) {
      const group = message.serviceRequestId;
      const seen = recent.get(group) ?? new Set<string>();
      if (seen.has(message.id)) return;
      seen.add(message.id);
      if (seen.size > RECENT_PER_GROUP) seen.delete(seen.values().next().value as string);
      recent.set(group, seen);
      evict(group, participants);
      hub().sendToGroup(group, CHAT.receivedTarget, message);
      if (hub().groups.members(group).length === 0) recent.delete(group);
    },
    participantsChanged(serviceRequestId: string, participants: Participants) {
      evict(serviceRequestId, participants);
    },
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
export function chatHubMethods(relay: ChatRelay, hub: () => HubServer<ChatUser>) {
  return {
    JoinServiceRequest: ({ connection, user, args }: HubMethodContext<ChatUser>) =>
      asHubCall(async () => {
        const id = idArg(args[0]);
        const after = sequenceArg(args[1]);
        await relay.authorize(user, id);
        // Joined before reading, so nothing stored in between is missed (at worst seen twice).
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
    methods: chatHubMethods(init.relay, () => hub),
    maxConnectionsPerUser: init.options.maxConnectionsPerUser,
    ...(init.options.keepAliveMs === undefined ? {} : { keepAliveMs: init.options.keepAliveMs }),
    ...(init.options.clientTimeoutMs === undefined ? {} : { clientTimeoutMs: init.options.clientTimeoutMs }),
    ...(init.options.rateLimit === undefined ? {} : { rateLimit: init.options.rateLimit }),
  });
  return hub;
}
