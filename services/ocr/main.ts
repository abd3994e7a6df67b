import type { EnvReader } from "../../lib/config/index.ts";
import { QUEUES } from "../../lib/messages/index.ts";
import { runProcess } from "../../lib/runtime/index.ts";
import type { ServiceDefinition } from "../../lib/runtime/index.ts";
import { readOcrConfig } from "./config.ts";
import type { OcrConfig } from "./config.ts";
import { createOcrEngine } from "./engines/index.ts";
import { createOcrHandler } from "./handler.ts";

/** The OCR worker's settings: the engine's, and how many invoices one process reads at once. */
export interface OcrServiceConfig {
  readonly ocr: OcrConfig;
  /** OCR is CPU-bound: one per core is plenty. */
  readonly concurrency: number;
}

/** Reads the OCR worker's variables into `env`'s problem list. */
export function readOcrServiceConfig(env: EnvReader): OcrServiceConfig {
  return { ocr: readOcrConfig(env), concurrency: env.integer("OCR_CONCURRENCY", 1, { min: 1, max: 64 }) };
}

/** The OCR worker: reads invoices of stored products and records the verification on them. */
export const ocrService: ServiceDefinition<OcrServiceConfig> = {
  name: "ocr",
  readConfig: readOcrServiceConfig,
  queues: [QUEUES.ocr],
  async start(platform, config) {
    const engine = createOcrEngine(config.ocr);
    const { worker } = platform.config;
    try {
      const consumer = await platform.bus.consume(
        QUEUES.ocr,
        createOcrHandler({
          pool: platform.pool,
          blob: platform.blob,
          engine,
          toleranceDays: config.ocr.dateToleranceDays,
          maxFileBytes: config.ocr.limits.maxFileBytes,
        }),
        { concurrency: config.concurrency, maxAttempts: worker.maxAttempts, backoff: { baseMs: worker.retryBaseMs, maxMs: worker.retryMaxMs } },
      );
      return {
        name: "ocr",
        stop: async () => {
          await consumer.close();
          await engine.close();
        },
      };
    } catch (error) {
      await engine.close();
      throw error;
    }
  },
};

if (import.meta.main) {
  process.exitCode = await runProcess([ocrService], process.env);
}
