import type { Notification } from "pg";
import type { Pool, PoolClient } from "pg";
import { describeError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";

/** A connection of its own that LISTENs on one channel; see {@link openListenConnection}. */
export interface ListenConnection {
  /** Settles after the first attempt to listen, whether or not it succeeded. */
  readonly ready: Promise<void>;
  /** Stops reconnecting and destroys the connection: a pooled one would still be listening. */
  close(): Promise<void>;
}
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
