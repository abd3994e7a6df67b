import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import { AppError } from "../../lib/errors/index.ts";
import type { AppEnv } from "../../lib/http/index.ts";

/** A listening API server. */
export interface ApiServer {
  readonly port: number;
  /** The listening server, for the process to lend to services that share the API's origin. */
  readonly server: Server;
  /** Stops accepting connections; resolves once requests in flight are answered. */
  close(): Promise<void>;
}

/** Serves `app` on `host:port` (port 0 picks a free one) and resolves once listening. */
export async function startApiServer(options: {
  readonly app: Hono<AppEnv>;
  readonly port: number;
  readonly host?: string;
}): Promise<ApiServer> {
  const hostname = options.host ?? "0.0.0.0";
  let server!: ServerType;
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) =>
      reject(new AppError("API_LISTEN_FAILED", `cannot listen on ${hostname}:${options.port}`, { cause: error }));
    server = serve({ fetch: options.app.fetch, port: options.port, hostname }, () => {
      server.off("error", failed);
      resolve();
    });
    server.once("error", failed);
  });
  return {
    port: (server.address() as AddressInfo).port,
    // serve() builds it with node:http's createServer unless told otherwise, so it is an http.Server.
    server: server as Server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        if ("closeIdleConnections" in server) server.closeIdleConnections();
      }),
  };
}
