import { openListenConnection } from "../db/index.ts";
import type { ListenConnection, Pool } from "../db/index.ts";
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
