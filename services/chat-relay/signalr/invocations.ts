import type { Logger } from "../../../lib/log/index.ts";
import type { HubConnection, HubUser } from "./connection.ts";
import { HubError } from "./errors.ts";
import type { InvocationMessage } from "./protocol.ts";
import { TokenBucket } from "./rate-limit.ts";
import type { RateLimit } from "./rate-limit.ts";

/** What a hub method receives. */
export interface HubMethodContext<U extends HubUser> {
  readonly connection: HubConnection<U>;
  readonly user: U;
  readonly args: readonly unknown[];
}

/**
 * A hub method. Its resolved value is the Completion's `result`; a thrown {@link HubError}
 * becomes the Completion's `error`; anything else thrown is logged and masked.
 */
export type HubMethod<U extends HubUser> = (context: HubMethodContext<U>) => unknown;

/** Hub methods by name; the client's target is matched case-insensitively. */
export type HubMethods<U extends HubUser> = Readonly<Record<string, HubMethod<U>>>;

/** Message a client gets when it invokes faster than its rate limit allows. */
export const RATE_LIMIT_MESSAGE = "Rate limit exceeded: too many invocations on this connection. Slow down and retry.";

const STREAMING_MESSAGE = "Streaming invocations are not supported by this server.";

/** Indexes methods by lower-cased name; two names differing only in case are a programming error. */
export function indexMethods<U extends HubUser>(methods: HubMethods<U>): ReadonlyMap<string, { name: string; run: HubMethod<U> }> {
  const index = new Map<string, { name: string; run: HubMethod<U> }>();
  for (const [name, run] of Object.entries(methods)) {
    const key = name.toLowerCase();
    if (index.has(key)) throw new Error(`Hub methods '${index.get(key)?.name}' and '${name}' differ only in case.`);
    index.set(key, { name, run });
  }
  return index;
}

/**
 * Runs one connection's invocations: at most `maxParallel` at a time, the rest queued in
 * arrival order, nothing before `onConnected` has finished (`open()`), rate limited on arrival.
 */
export class InvocationQueue<U extends HubUser> {
  readonly #connection: HubConnection<U>;
  readonly #methods: ReadonlyMap<string, { name: string; run: HubMethod<U> }>;
  readonly #maxParallel: number;
  readonly #bucket: TokenBucket | undefined;
  readonly #logger: Logger;
  readonly #waiting: InvocationMessage[] = [];
  #running = 0;
  #open = false;
  #stopped = false;

  constructor(init: {
    connection: HubConnection<U>;
    methods: ReadonlyMap<string, { name: string; run: HubMethod<U> }>;
    maxParallel: number;
    rateLimit: RateLimit | undefined;
    logger: Logger;
  }) {
    this.#connection = init.connection;
    this.#methods = init.methods;
    this.#maxParallel = init.maxParallel;
    this.#bucket = init.rateLimit === undefined ? undefined : new TokenBucket(init.rateLimit);
    this.#logger = init.logger;
  }

  /** Accepts an invocation from the client; answers at once when it is refused. */
  accept(message: InvocationMessage): void {
    if (this.#stopped) return;
    if (message.streaming) {
      this.#reply(message, { error: STREAMING_MESSAGE });
      return;
    }
    if (this.#bucket !== undefined && !this.#bucket.take()) {
      this.#logger.warn({ connectionId: this.#connection.id, target: message.target }, "hub invocation rate limited");
      this.#reply(message, { error: RATE_LIMIT_MESSAGE });
      return;
    }
    this.#waiting.push(message);
    this.#pump();
  }

  /** Starts running invocations (after `onConnected`). */
  open(): void {
    this.#open = true;
    this.#pump();
  }

  /** Drops what is still queued; running invocations finish but their replies go nowhere. */
  stop(): void {
    this.#stopped = true;
    this.#waiting.length = 0;
  }

  #pump(): void {
    while (this.#open && !this.#stopped && this.#running < this.#maxParallel) {
      const next = this.#waiting.shift();
      if (next === undefined) return;
      this.#running += 1;
      void this.#run(next).finally(() => {
        this.#running -= 1;
        this.#pump();
      });
    }
  }

  async #run(message: InvocationMessage): Promise<void> {
    const method = this.#methods.get(message.target.toLowerCase());
    if (method === undefined) {
      this.#reply(message, { error: `Unknown hub method '${message.target}'` });
      return;
    }
    const connection = this.#connection;
    try {
      const result = await method.run({ connection, user: connection.user, args: message.arguments });
      this.#reply(message, { result });
    } catch (error) {
      if (error instanceof HubError) {
        this.#reply(message, { error: error.message });
        return;
      }
      this.#logger.error({ err: error, connectionId: connection.id, method: method.name }, "hub method failed");
      this.#reply(message, { error: `An unexpected error occurred invoking '${message.target}' on the server.` });
    }
  }

  /** Sends a Completion when the client asked for one (it gave an invocation id). */
  #reply(message: InvocationMessage, outcome: { result?: unknown; error?: string }): void {
    if (message.invocationId === undefined) return;
    try {
      this.#connection.sendCompletion(message.invocationId, outcome);
    } catch (error) {
      // A result the protocol cannot represent (BigInt, a cycle) is a server bug; the client still gets an answer.
      this.#logger.error({ err: error, connectionId: this.#connection.id, target: message.target }, "hub result not serialisable");
      this.#connection.sendCompletion(message.invocationId, {
        error: `An unexpected error occurred invoking '${message.target}' on the server.`,
      });
    }
  }
}
