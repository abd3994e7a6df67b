import { ConfigError, envReader, readPlatformConfig } from "../../lib/config/index.ts";
import type { PlatformConfig } from "../../lib/config/index.ts";

/**
 * The shared variables for a CLI command. Every problem is printed to stderr together and
 * undefined returned, so the command exits 2 the way the services do.
 */
export function readCliConfig(env: Readonly<Record<string, string | undefined>>): PlatformConfig | undefined {
  const reader = envReader(env);
  const config = readPlatformConfig(reader);
  try {
    reader.done();
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return undefined;
  }
}
