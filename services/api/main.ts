import { createDeadLetterConsole } from "../../lib/dead-letters/index.ts";
import { createFlagEvaluator, createFlagStore } from "../../lib/flags/index.ts";
import { runProcess } from "../../lib/runtime/index.ts";
import { createRowTransformer } from "../../lib/transformations/index.ts";
import type { ServiceDefinition } from "../../lib/runtime/index.ts";
import { createApp } from "./app.ts";
import { readApiConfig } from "./config.ts";
import type { ApiConfig } from "./config.ts";
import { deadLetterRoutes } from "./routes/admin-dead-letters.ts";
import { auditLogRoutes } from "./routes/audit-log.ts";
import { brandRoutes } from "./routes/brands.ts";
import { flagListRoutes } from "./routes/flags-list.ts";
import { flagRoutes } from "./routes/flags.ts";
import { importListRoutes } from "./routes/imports-list.ts";
import { importRoutes } from "./routes/imports.ts";
import { productModelRoutes } from "./routes/product-models.ts";
import { productRoutes } from "./routes/products.ts";
import { announceToChat, serviceRequestRoutes } from "./routes/service-requests.ts";
import { loadApiSchemas } from "./schemas.ts";
import { transformationRoutes } from "./routes/transformations.ts";
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
      routes: [
        productRoutes({ pool: platform.pool, bus: platform.bus, blob: platform.blob }),
        serviceRequestRoutes({ pool: platform.pool, participantsChanged: announceToChat(platform.bus) }),
        deadLetterRoutes(createDeadLetterConsole({ bus: platform.bus, pool: platform.pool })),
        flagRoutes({ store: createFlagStore(platform.pool, { notifier: platform.notifier }), verifyToken: platform.verifyToken, apiKey: config.flagApiKey }),
        transformationRoutes({ pool: platform.pool }),
        brandRoutes(platform.pool),
        importListRoutes(platform.pool),
        productModelRoutes(platform.pool),
        auditLogRoutes(platform.pool),
        flagListRoutes(createFlagStore(platform.pool)),
        await importRoutes({
          pool: platform.pool,
          bus: platform.bus,
          blob: platform.blob,
          settings: config.imports,
          transformRows: createRowTransformer({
            pool: platform.pool,
            flags: createFlagEvaluator({ store: createFlagStore(platform.pool), logger: platform.logger }),
            logger: platform.logger,
          }),
        }),
      ],
    });
    const server = await startApiServer({ app, port: config.port, host: config.host });
    const shown = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
    const url = `http://${shown}:${server.port}`;
    return { name: "api", url, httpServer: { server: server.server, url }, stop: () => server.close() };
  },
};

if (import.meta.main) {
  process.exitCode = await runProcess([apiService], process.env);
}
