import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { OidcOptions } from "../auth/index.ts";
import { LOG_LEVELS } from "../log/index.ts";
import { readNotifyConfig } from "../notify/config.ts";
import type { NotifyConfig } from "../notify/config.ts";
import type { EnvReader } from "./reader.ts";

/** Which broker carries the queues: chosen by which connection variable is set. */
export const BUS_KINDS = ["postgres", "amqp", "service-bus"] as const;
export type BusKind = (typeof BUS_KINDS)[number];

/** Configuration every process shares: where the database, broker and blobs are. */
export interface PlatformConfig {
  readonly dataDir: string;
  /** Absent: start an embedded PostgreSQL under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly embeddedPostgresPort: number;
  readonly bus:
    | { readonly kind: "postgres" }
    | { readonly kind: "amqp"; readonly url: string }
    | { readonly kind: "service-bus"; readonly connectionString: string };
  /** Prepended to queue names, so environments sharing a broker never share queues. */
  readonly queuePrefix: string;
  /** Absent: start Azurite under `dataDir`. */
  readonly storageConnectionString: string | undefined;
  readonly azuritePort: number;
  readonly blobContainerPrefix: string;
  /** Absent: generated once and kept in `dataDir`. */
  readonly jwtSecret: string | undefined;
  /** Set by OIDC_ISSUER: tokens from that provider (RS256/ES256) are accepted beside our HS256 ones. */
  readonly oidc?: OidcOptions;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly worker: {
    readonly concurrency: number;
    readonly maxAttempts: number;
    readonly retryBaseMs: number;
    readonly retryMaxMs: number;
  };
  readonly shutdownTimeoutMs: number;
  /** Which build runs (BUILD_VERSION, default package.json's; BUILD_COMMIT, set by the image build). */
  readonly build: { readonly version: string; readonly commit: string };
  /** Where deploy, rollback, flag, restore and backup notifications go. */
  readonly notify: NotifyConfig;
}

/** The version in package.json, for a process started from a checkout rather than an image. */
const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** Reads the shared variables; each service's `config.ts` adds its own beside them. */
export function readPlatformConfig(env: EnvReader, cwd: string = process.cwd()): PlatformConfig {
  const amqpUrl = env.optionalUrl("AMQP_URL", ["amqp", "amqps"]);
  const serviceBus = env.optionalString("SERVICEBUS_CONNECTION_STRING");
  if (serviceBus !== undefined && !/^Endpoint=sb:\/\/[^;]+;/i.test(serviceBus)) {
    env.problem("SERVICEBUS_CONNECTION_STRING", "expected Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...");
  }
  if (amqpUrl !== undefined && serviceBus !== undefined) {
    env.problem("AMQP_URL", "set either AMQP_URL or SERVICEBUS_CONNECTION_STRING, not both");
  }
  const jwtSecret = env.optionalString("JWT_SECRET");
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    env.problem("JWT_SECRET", "must be at least 32 characters");
  }
  const oidc = readOidc(env);
  const retryBaseMs = env.integer("RETRY_BASE_MS", 1000, { min: 1, max: 3_600_000 });
  const retryMaxMs = env.integer("RETRY_MAX_MS", 60_000, { min: 1, max: 86_400_000 });
  if (retryMaxMs < retryBaseMs) env.problem("RETRY_MAX_MS", "must not be below RETRY_BASE_MS");
  return {
    dataDir: resolve(cwd, env.string("DATA_DIR", ".data")),
    databaseUrl: env.optionalUrl("DATABASE_URL", ["postgres", "postgresql"]),
    embeddedPostgresPort: env.integer("EMBEDDED_PG_PORT", 54329, { min: 1, max: 65535 }),
    bus: amqpUrl
      ? { kind: "amqp", url: amqpUrl }
      : serviceBus
        ? { kind: "service-bus", connectionString: serviceBus }
        : { kind: "postgres" },
    queuePrefix: env.string("QUEUE_PREFIX", ""),
    storageConnectionString: env.optionalString("AZURE_STORAGE_CONNECTION_STRING"),
    azuritePort: env.integer("AZURITE_PORT", 10000, { min: 1, max: 65535 }),
    blobContainerPrefix: env.string("BLOB_CONTAINER_PREFIX", ""),
    jwtSecret,
    ...(oidc === undefined ? {} : { oidc }),
    logLevel: env.oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    worker: {
      concurrency: env.integer("WORKER_CONCURRENCY", 4, { min: 1, max: 256 }),
      maxAttempts: env.integer("MAX_ATTEMPTS", 5, { min: 1, max: 100 }),
      retryBaseMs,
      retryMaxMs,
    },
    shutdownTimeoutMs: env.integer("SHUTDOWN_TIMEOUT_MS", 30_000, { min: 0, max: 600_000 }),
    build: { version: env.string("BUILD_VERSION", PACKAGE_VERSION), commit: env.string("BUILD_COMMIT", "unknown") },
    notify: readNotifyConfig(env),
  };
}

/** OIDC_ISSUER and OIDC_AUDIENCE together, or neither; the JWKS comes from discovery unless OIDC_JWKS_URL names it. */
function readOidc(env: EnvReader): OidcOptions | undefined {
  const issuer = env.optionalUrl("OIDC_ISSUER", ["https", "http"]);
  const audience = env.optionalString("OIDC_AUDIENCE");
  if (issuer === undefined) {
    if (audience !== undefined) env.problem("OIDC_AUDIENCE", "needs OIDC_ISSUER");
    return undefined;
  }
  if (audience === undefined) {
    env.problem("OIDC_AUDIENCE", "is required with OIDC_ISSUER");
    return undefined;
  }
  const jwksUrl = env.optionalUrl("OIDC_JWKS_URL", ["https", "http"]);
  return {
    issuer,
    audience,
    ...(jwksUrl === undefined ? {} : { jwksUrl }),
    roleClaim: env.string("OIDC_ROLE_CLAIM", "roles"),
    brandClaim: env.string("OIDC_BRAND_CLAIM", "brand"),
  };
}
