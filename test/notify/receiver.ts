import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { text } from "node:stream/consumers";

/** One request the receiver took. */
export interface Received {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: Record<string, unknown>;
}

/**
 * A local webhook receiver: the peer the notifier and Alertmanager talk to. It answers each
 * request with the next status of `statuses` (200 once they run out) and keeps the bodies.
 */
export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Statuses to answer the next requests with, in order. */
  failNext(...statuses: number[]): void;
  close(): Promise<void>;
}

/** Starts a receiver on a free port of 127.0.0.1. */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const statuses: number[] = [];
  const server = createServer((req, res) => {
    void text(req).then((raw) => {
      received.push({ path: req.url ?? "/", contentType: req.headers["content-type"], body: JSON.parse(raw) as Record<string, unknown> });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    failNext: (...next) => void statuses.push(...next),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
