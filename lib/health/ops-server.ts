import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AppError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import type { Metrics } from "../metrics/index.ts";
import type { Health } from "./health.ts";
export interface OpsServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** Default `0.0.0.0`, so the cluster's scraper and probes reach it. */
  readonly host?: string;
  readonly metrics: Metrics;
  readonly health: Health;
  readonly logger: Logger;
}

/** A running ops server. */
export interface OpsServer {
  readonly port: number;
  /** Stops accepting connections and resolves once open ones are done. */
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics`, `/health/live` and `/health/ready` for worker processes that have no
 * HTTP server of their own. Plain node:http: three fixed routes need no framework.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((req, res) => {
    respond(options, req, res).catch((error: unknown) => {
      options.logger.error({ err: error, url: req.url }, "ops request failed");
      if (!res.headersSent) send(res, 500, { error: { code: "INTERNAL", message: "internal error" } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) =>
      reject(new AppError("OPS_LISTEN_FAILED", `ops server cannot listen on port ${options.port}`, { cause: error })),
    );
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

async function respond(options: OpsServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? "/", "http://ops").pathname;
  const known = path === "/metrics" || path === "/health/live" || path === "/health/ready";
  if (!known) {
    send(res, 404, { error: { code: "NOT_FOUND", message: `no route for ${req.method ?? "GET"} ${path}` } });
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    send(res, 405, { error: { code: "METHOD_NOT_ALLOWED", message: `${path} accepts GET only` } });
    return;
  }
  if (path === "/metrics") {
    const { contentType, body } = await options.metrics.render();
    res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" }).end(body);
  } else if (path === "/health/live") {
    send(res, 200, options.health.live());
  } else {
    const report = await options.health.ready();
    send(res, report.status === "ready" ? 200 : 503, report);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" })
    .end(JSON.stringify(body));
}
