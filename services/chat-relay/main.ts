import { QUEUES } from "../../lib/messages/index.ts";
import { runProcess } from "../../lib/runtime/index.ts";
import type { ServiceDefinition } from "../../lib/runtime/index.ts";
import { readChatRelayConfig } from "./config.ts";
import type { ChatRelayConfig } from "./config.ts";
import { CHAT_HUB_PATH } from "./hub.ts";
import { startChatRelay } from "./server.ts";

/**
 * The chat relay: the SignalR hub at `/hubs/chat` and the chat HTTP routes on CHAT_PORT (on the
 * API's port instead when the API runs in the same process), the chat worker on the `chat`
 * queue, the fan-out to every instance, and the retention job.
 */
export const chatRelayService: ServiceDefinition<ChatRelayConfig> = {
  name: "chat-relay",
  readConfig: readChatRelayConfig,
  queues: [QUEUES.chat],
  async start(platform, config, context) {
    const worker = platform.config.worker;
    const instance = await startChatRelay({
      pool: platform.pool,
      bus: platform.bus,
      logger: platform.logger.child({ service: "chat-relay", instance: config.instanceId }),
      metrics: platform.metrics,
      verifyToken: platform.verifyToken,
      // Shared by every instance, so a client may negotiate on one and connect to another.
      ...(platform.config.jwtSecret === undefined ? {} : { connectionSecret: platform.config.jwtSecret }),
      config,
      worker: {
        concurrency: worker.concurrency,
        maxAttempts: worker.maxAttempts,
        backoff: { baseMs: worker.retryBaseMs, maxMs: worker.retryMaxMs },
      },
      ...(context?.httpServer ? { httpServer: context.httpServer } : {}),
    });
    return { name: "chat-relay", url: `${instance.url}${CHAT_HUB_PATH}`, stop: () => instance.stop() };
  },
};

if (import.meta.main) {
  process.exitCode = await runProcess([chatRelayService], process.env);
}
