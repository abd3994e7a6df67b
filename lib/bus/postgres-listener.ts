import type { Notification } from "pg";
import type { Pool, PoolClient } from "../db/index.ts";
import { describeError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";

/** The NOTIFY channel of the PostgreSQL transport; the payload is the queue name. */
export const BUS_CHANNEL = "bus_messages";

/** Lets the claim loop sleep until a timeout, a notification, or a settled delivery. */
export function createWaker() {
  let pending = false;
  let interrupt: (() => void) | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const wake = () => {
    pending = true;
    interrupt?.();
  };
  return {
    wake,
    /** Wakes once a retried message becomes visible, sooner than the next poll would. */
    wakeLater: (ms: number) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        wake();
      }, ms + 5);
      timers.add(timer);
    },
    sleep: async (ms: number) => {
      if (!pending) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, ms);
          interrupt = done;
          function done() {
            clearTimeout(timer);
            interrupt = undefined;
            resolve();
          }
        });
      }
      pending = false;
    },
    clear: () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

/** Wakes consumers when messages arrive in their queue. */
export interface Listener {
  /** Calls `wake` whenever a message is sent or replayed to `queue`; returns the unsubscribe. */
  subscribe(queue: string, wake: () => void): () => void;
  close(): Promise<void>;
}

/** A connection of its own that LISTENs on one channel; see {@link openListenConnection}. */
export interface ListenConnection {
  /** Settles after the first attempt to listen, whether or not it succeeded. */
  readonly ready: Promise<void>;
  /** Stops reconnecting and destroys the connection: a pooled one would still be listening. */
  close(): Promise<void>;
}

/** Options of {@link openListenConnection}. */
export interface ListenOptions {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly channel: string;
  readonly retryMs: number;
  /** Names the connection in log lines. */
  readonly what: string;
  readonly onNotification: (payload: string) => void;
  /** Runs after every (re)connect: notifications sent while it was down were missed. */
  readonly onConnected?: () => void;
}

/**
 * LISTENs on `channel` from a connection taken out of the pool for good, and reconnects
 * after `retryMs` whenever it breaks. Notifications stop the moment `close` is called, even
 * though a released connection lives on until the server has read its Terminate.
 */
export function openListenConnection(options: ListenOptions): ListenConnection {
  const { logger, what } = options;
  let client: PoolClient | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  const reconnectLater = () => {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      connecting = connect();
    }, options.retryMs);
  };
  const connect = async () => {
    let next: PoolClient | undefined;
    try {
      next = await options.pool.connect();
      const current = next;
      current.on("notification", (message: Notification) => {
        if (!closed) options.onNotification(message.payload ?? "");
      });
      current.on("error", (error) => {
        // Already released (closing, or a failed LISTEN released it): releasing twice throws.
        if (client !== current) return;
        logger.warn({ err: error.message }, `${what} connection failed`);
        client = undefined;
        current.release(true);
        reconnectLater();
      });
      await current.query(`listen ${options.channel}`);
      if (closed) current.release(true);
      else {
        client = current;
        options.onConnected?.();
      }
    } catch (error) {
      next?.release(true);
      logger.warn({ err: describeError(error).message }, `${what} could not connect; retrying`);
      reconnectLater();
    }
  };
  let connecting = connect();
  return {
    ready: connecting,
    async close() {
      closed = true;
      clearTimeout(retry);
      await connecting;
      client?.release(true);
      client = undefined;
    },
  };
}

/**
 * One LISTEN connection per transport, opened with the first consumer; after a reconnect it
 * wakes every consumer, since notifications were missed (they poll meanwhile).
 */
export function createListener(pool: Pool, logger: Logger, retryMs: number): Listener {
  const wakers = new Map<string, Set<() => void>>();
  let connection: ListenConnection | undefined;
  let closed = false;
  const ensure = () => {
    if (closed || connection) return;
    connection = openListenConnection({
      pool,
      logger,
      channel: BUS_CHANNEL,
      retryMs,
      what: "bus listener",
      onNotification: (queue) => wakers.get(queue)?.forEach((wake) => wake()),
      onConnected: () => wakers.forEach((set) => set.forEach((wake) => wake())),
    });
  };
  return {
    subscribe(queue, wake) {
      const set = wakers.get(queue) ?? new Set();
      set.add(wake);
      wakers.set(queue, set);
      ensure();
      return () => {
        set.delete(wake);
        if (set.size === 0) wakers.delete(queue);
      };
    },
    async close() {
      closed = true;
      await connection?.close();
    },
  };
}
