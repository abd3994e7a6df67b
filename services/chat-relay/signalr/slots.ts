import { randomBytes } from "node:crypto";
import type { HubConnection, HubUser } from "./connection.ts";
import type { InvocationQueue } from "./invocations.ts";
import type { LongPollingTransport } from "./transports.ts";

/**
 * A connection from negotiate (or id-less upgrade) to close. `negotiated`: token handed out,
 * no socket yet; `connecting`: a socket is being upgraded; `connected`: the socket is attached.
 */
export interface Slot<U extends HubUser> {
  readonly token: string;
  readonly connectionId: string;
  user: U;
  state: "negotiated" | "connecting" | "connected";
  expiry: NodeJS.Timeout | undefined;
  connection: HubConnection<U> | undefined;
  queue: InvocationQueue<U> | undefined;
  /** The long-polling transport, whose polls and DELETE arrive as separate requests. */
  longPolling?: LongPollingTransport;
  /** Settles when `onConnected` has run (set at handshake). */
  ready: Promise<void> | undefined;
}

function newId(bytes: number): string {
  return randomBytes(bytes).toString("base64url");
}

/**
 * Every connection this instance knows, by secret token, by public id and by user. The user
 * index counts negotiated-but-unused slots too, so negotiating in a loop cannot dodge the limit.
 */
export class SlotRegistry<U extends HubUser> {
  readonly #byToken = new Map<string, Slot<U>>();
  readonly #byConnectionId = new Map<string, Slot<U>>();
  readonly #byUser = new Map<string, Set<Slot<U>>>();
  /** Tokens of released slots, until they would have expired anyway: a token opens one connection. */
  readonly #spent = new Map<string, number>();
  readonly #negotiateTimeoutMs: number;

  constructor(negotiateTimeoutMs: number) {
    this.#negotiateTimeoutMs = negotiateTimeoutMs;
  }

  /** How many connections (of any state) the user holds here. */
  countFor(userId: string): number {
    return this.#byUser.get(userId)?.size ?? 0;
  }

  /**
   * Creates a slot. A negotiated slot expires when no socket claims it in time. `id` is a
   * signed id and token (negotiate version 1, or a token another instance issued); without
   * it the slot gets a random id, and with `separateToken` false (negotiate version 0) the
   * public id doubles as the token.
   */
  reserve(
    user: U,
    options: { negotiated: boolean; separateToken: boolean; id?: { readonly connectionId: string; readonly token: string } },
  ): Slot<U> {
    const connectionId = options.id?.connectionId ?? newId(16);
    const token = options.id?.token ?? (options.separateToken ? newId(32) : connectionId);
    const slot: Slot<U> = {
      token,
      connectionId,
      user,
      state: options.negotiated ? "negotiated" : "connecting",
      expiry: undefined,
      connection: undefined,
      queue: undefined,
      ready: undefined,
    };
    if (options.negotiated) {
      slot.expiry = setTimeout(() => {
        if (slot.state === "negotiated") this.release(slot);
      }, this.#negotiateTimeoutMs).unref();
    }
    this.#byToken.set(token, slot);
    this.#byConnectionId.set(connectionId, slot);
    const forUser = this.#byUser.get(user.id);
    if (forUser === undefined) this.#byUser.set(user.id, new Set([slot]));
    else forUser.add(slot);
    return slot;
  }

  byToken(token: string): Slot<U> | undefined {
    return this.#byToken.get(token);
  }

  /** The slot with this public id. */
  slot(connectionId: string): Slot<U> | undefined {
    return this.#byConnectionId.get(connectionId);
  }

  /** The open connection with this public id. */
  connection(connectionId: string): HubConnection<U> | undefined {
    return this.#byConnectionId.get(connectionId)?.connection;
  }

  connectionsOf(userId: string): HubConnection<U>[] {
    const result: HubConnection<U>[] = [];
    for (const slot of this.#byUser.get(userId) ?? []) {
      if (slot.connection !== undefined) result.push(slot.connection);
    }
    return result;
  }

  connections(): HubConnection<U>[] {
    const result: HubConnection<U>[] = [];
    for (const slot of this.#byToken.values()) {
      if (slot.connection !== undefined) result.push(slot.connection);
    }
    return result;
  }

  /** Drops every slot that has no socket yet (shutdown). */
  releaseNegotiated(): void {
    for (const slot of [...this.#byToken.values()]) {
      if (slot.state === "negotiated") this.release(slot);
    }
  }

  /** True when a connection with this token was here and is gone. */
  spent(token: string): boolean {
    const until = this.#spent.get(token);
    return until !== undefined && until > Date.now();
  }

  release(slot: Slot<U>): void {
    clearTimeout(slot.expiry);
    if (this.#byToken.get(slot.token) !== slot) return;
    const now = Date.now();
    if (this.#spent.size > 1000) for (const [token, until] of this.#spent) if (until <= now) this.#spent.delete(token);
    this.#spent.set(slot.token, now + this.#negotiateTimeoutMs);
    this.#byToken.delete(slot.token);
    this.#byConnectionId.delete(slot.connectionId);
    const forUser = this.#byUser.get(slot.user.id);
    forUser?.delete(slot);
    if (forUser?.size === 0) this.#byUser.delete(slot.user.id);
  }
}
