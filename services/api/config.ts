import { readImportSettings } from "../../lib/imports/index.ts";
import type { ImportSettings } from "../../lib/imports/index.ts";
import { envReader, readPlatformConfig } from "../../lib/config/index.ts";
import type { EnvReader, PlatformConfig } from "../../lib/config/index.ts";

/** Variables of the ingress API. */
export interface ApiConfig {
  readonly port: number;
  readonly host: string;
  /** Largest JSON request body accepted; uploads set their own limits. */
  readonly maxBodyBytes: number;
  /** Where clients reach the API, for the OpenAPI document's `servers`; absent: relative. */
  readonly publicUrl: string | undefined;
  /** FLAG_API_KEY: lets automation read and switch feature flags without a token; absent: tokens only. */
  readonly flagApiKey: string | undefined;
  /** IMPORT_MAX_BYTES, IMPORT_CHUNK_BYTES: limits of CSV imports. */
  readonly imports: ImportSettings;
}

/** Reads the API's own variables into `env`'s problem list (for `ServiceDefinition.readConfig`). */
export function readApiConfig(env: EnvReader): ApiConfig {
  const host = env.string("HOST", "0.0.0.0");
  if (/\s/.test(host)) env.problem("HOST", "must be a host name or address without spaces");
  const flagApiKey = env.optionalString("FLAG_API_KEY");
  if (flagApiKey !== undefined && !/^\S{24,}$/.test(flagApiKey)) env.problem("FLAG_API_KEY", "must be at least 24 characters without spaces");
  return {
    port: env.integer("PORT", 3000, { min: 0, max: 65535 }),
    host,
    maxBodyBytes: env.integer("MAX_BODY_BYTES", 1_048_576, { min: 1024, max: 104_857_600 }),
    publicUrl: env.optionalUrl("PUBLIC_URL", ["http", "https"]),
    flagApiKey,
    imports: readImportSettings(env),
  };
}

/** Reads the platform and API variables together, reporting every problem at once (`CONFIG_INVALID`). */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): {
  readonly platform: PlatformConfig;
  readonly api: ApiConfig;
} {
  const reader = envReader(env);
  const platform = readPlatformConfig(reader);
  const api = readApiConfig(reader);
  reader.done();
  return { platform, api };
}
