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

/**
 * One LISTEN connection per transport, opened with the first consumer. When it breaks it
 * reconnects after `retryMs`, and wakes every consumer, since notifications were missed.
 */
export function createListener(pool: Pool, logger: Logger, retryMs: number): Listener {
  const wakers = new Map<string, Set<() => void>>();
  let client: PoolClient | undefined;
  let connecting: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;
  const wakeAll = () => wakers.forEach((set) => set.forEach((wake) => wake()));
  const onNotification = (message: Notification) => wakers.get(message.payload ?? "")?.forEach((wake) => wake());
  const reconnectLater = () => {
    if (!closed && retry === undefined) retry = setTimeout(() => ((retry = undefined), void ensure()), retryMs);
  };
  const connect = async () => {
    let next: PoolClient | undefined;
    try {
      next = await pool.connect();
      const current = next;
      current.on("notification", onNotification);
      current.on("error", (error) => {
        // Already released (closing, or a failed LISTEN released it): releasing twice throws.
        if (client !== current) return;
        logger.warn({ err: error.message }, "bus listener connection failed");
        client = undefined;
        current.release(true);
        reconnectLater();
      });
      await current.query(`listen ${BUS_CHANNEL}`);
      if (closed) current.release(true);
      else client = current;
      wakeAll();
    } catch (error) {
      next?.release(true);
      logger.warn({ err: describeError(error).message }, "bus listener could not connect; polling until it does");
      reconnectLater();
    }
  };
  const ensure = () => {
    if (closed || client || connecting) return;
    connecting = connect().finally(() => (connecting = undefined));
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
      clearTimeout(retry);
      await connecting;
      // Destroyed rather than pooled: a reused connection would still be listening.
      client?.release(true);
      client = undefined;
    },
  };
}

