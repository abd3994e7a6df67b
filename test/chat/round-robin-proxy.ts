import { connect, createServer } from "node:net";
import type { AddressInfo, Socket } from "node:net";

/** A TCP load balancer without affinity, as a Kubernetes Service is. */
export interface RoundRobinProxy {
  /** `http://127.0.0.1:port` */
  readonly url: string;
  /** How many client connections went to each upstream, in upstream order. */
  readonly counts: number[];
  close(): Promise<void>;
}

/**
 * Hands each new TCP connection to the next upstream in turn, whatever it carries: a
 * negotiate and the WebSocket that follows it usually reach different instances.
 */
export async function startRoundRobinProxy(upstreams: readonly URL[]): Promise<RoundRobinProxy> {
  const sockets = new Set<Socket>();
  const counts = upstreams.map(() => 0);
  let next = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = createServer((client) => {
    const index = next++ % upstreams.length;
    const target = upstreams[index] as URL;
    counts[index] = (counts[index] ?? 0) + 1;
    const upstream = connect(Number(target.port), target.hostname);
    track(client);
    track(upstream);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
