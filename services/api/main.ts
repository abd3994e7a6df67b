import { runProcess } from "../../lib/runtime/index.ts";
import type { ServiceDefinition } from "../../lib/runtime/index.ts";
import { createApp } from "./app.ts";
import { readApiConfig } from "./config.ts";
import type { ApiConfig } from "./config.ts";
import { loadApiSchemas } from "./schemas.ts";
import { startApiServer } from "./server.ts";

/** The Hono ingress: validates requests and hands work to the queues. */
export const apiService: ServiceDefinition<ApiConfig> = {
  name: "api",
  readConfig: readApiConfig,
  servesHttp: true,
  async start(platform, config) {
    const app = createApp({
      logger: platform.logger,
      metrics: platform.metrics,
      health: platform.health,
      verifyToken: platform.verifyToken,
      schemas: await loadApiSchemas(),
      maxBodyBytes: config.maxBodyBytes,
      ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
      routes: [],
    });
    const server = await startApiServer({ app, port: config.port, host: config.host });
    const shown = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
    return { name: "api", url: `http://${shown}:${server.port}`, stop: () => server.close() };
  },
};

if (import.meta.main) {
  process.exitCode = await runProcess([apiService], process.env);
}
