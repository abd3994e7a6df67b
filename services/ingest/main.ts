import { startOutboxRelay } from "../../lib/outbox/index.ts";
import { runProcess } from "../../lib/runtime/index.ts";
import type { ServiceDefinition } from "../../lib/runtime/index.ts";
import { readIngestConfig } from "./config.ts";
import type { IngestConfig } from "./config.ts";

/** The ingest worker: relays the outbox and consumes registration and import queues. */
export const ingestService: ServiceDefinition<IngestConfig> = {
  name: "ingest",
  readConfig: readIngestConfig,
  async start(platform, config) {
    const relay = startOutboxRelay({
      pool: platform.pool,
      bus: platform.bus,
      logger: platform.logger.child({ component: "outbox" }),
      batchSize: config.outboxBatchSize,
    });
    return { name: "ingest", stop: () => relay.stop() };
  },
};

if (import.meta.main) {
  process.exitCode = await runProcess([ingestService], process.env);
}
