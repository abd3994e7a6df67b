import { Writable } from "node:stream";
import { createTokenSigner, createTokenVerifier } from "../../lib/auth/index.ts";
import type { TokenSigner } from "../../lib/auth/index.ts";
import { createHealth } from "../../lib/health/index.ts";
import type { Health, HealthCheck } from "../../lib/health/index.ts";
import { createSchemaSet } from "../../lib/http/index.ts";
import type { JsonSchema, SchemaSet } from "../../lib/http/index.ts";
import { createLogger } from "../../lib/log/index.ts";
import type { Logger } from "../../lib/log/index.ts";
import { createMetrics } from "../../lib/metrics/index.ts";
import type { Metrics } from "../../lib/metrics/index.ts";
import { createApp } from "../../services/api/app.ts";
import type { RouteModule } from "../../services/api/route-module.ts";
import { loadApiSchemas } from "../../services/api/schemas.ts";

export const SECRET = "api-test-secret-long-enough-for-hs256-tokens";

/** A logger whose JSON lines the test can read. */
export function logSink(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  const logger = createLogger({ level: "debug", name: "api-test" }, stream);
  return {
    logger,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** The real API schemas plus `extra` (test-only route schemas), compiled together. */
export async function schemasWith(extra: Readonly<Record<string, JsonSchema>> = {}): Promise<SchemaSet> {
  const api = await loadApiSchemas();
  const all = new Map<string, JsonSchema>(api.names.map((name) => [name, api.schema(name)]));
  for (const [name, schema] of Object.entries(extra)) all.set(name, schema);
  return createSchemaSet(all);
}

/** An app over real auth, metrics and health, as `main.ts` would build it. */
export async function testApp(
  options: {
    checks?: Record<string, HealthCheck>;
    healthTimeoutMs?: number;
    routes?: RouteModule[];
    schemas?: SchemaSet;
    maxBodyBytes?: number;
  } = {},
): Promise<{
  app: ReturnType<typeof createApp>;
  metrics: Metrics;
  health: Health;
  sign: TokenSigner;
  lines: () => Record<string, unknown>[];
  schemas: SchemaSet;
}> {
  const { logger, lines } = logSink();
  const metrics = createMetrics();
  const health = createHealth(options.checks ?? {}, { timeoutMs: options.healthTimeoutMs ?? 2000 });
  const schemas = options.schemas ?? (await loadApiSchemas());
  const app = createApp({
    logger,
    metrics,
    health,
    schemas,
    verifyToken: createTokenVerifier(SECRET),
    ...(options.routes ? { routes: options.routes } : {}),
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });
  return { app, metrics, health, sign: createTokenSigner(SECRET), lines, schemas };
}
