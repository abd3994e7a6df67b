import { createDeadLetterConsole } from "../../lib/dead-letters/index.ts";
import { createFlagEvaluator, createFlagStore } from "../../lib/flags/index.ts";
import { runProcess } from "../../lib/runtime/index.ts";
import { createRowTransformer } from "../../lib/transformations/index.ts";
import type { ServiceDefinition } from "../../lib/runtime/index.ts";
import { createApp } from "./app.ts";
import { readApiConfig } from "./config.ts";
import type { ApiConfig } from "./config.ts";
import { auditLogRoutes } from "./admin/audit-log.ts";
import { deadLetterRoutes } from "./admin/dead-letters.ts";
import { flagListRoutes } from "./admin/flags-list.ts";
import { flagRoutes } from "./admin/flags.ts";
import { transformationRoutes } from "./admin/transformations.ts";
import { brandRoutes } from "./catalog/brands.ts";
import { productModelRoutes } from "./catalog/product-models.ts";
import { importListRoutes } from "./imports/list.ts";
import { importRoutes } from "./imports/routes.ts";
import { productRoutes } from "./registration/routes.ts";
import { loadApiSchemas } from "./schemas.ts";
import { announceToChat } from "./service-requests/chat.ts";
import { serviceRequestRoutes } from "./service-requests/routes.ts";
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
        deadLetterRoutes({ deadLetters: createDeadLetterConsole({ bus: platform.bus, pool: platform.pool }) }),
        flagRoutes({ store: createFlagStore(platform.pool, { notifier: platform.notifier }), verifyToken: platform.verifyToken, apiKey: config.flagApiKey }),
        transformationRoutes({ pool: platform.pool }),
        brandRoutes({ pool: platform.pool }),
        importListRoutes({ pool: platform.pool }),
        productModelRoutes({ pool: platform.pool }),
        auditLogRoutes({ pool: platform.pool }),
        flagListRoutes({ store: createFlagStore(platform.pool) }),
        importRoutes({
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
