/**
 * Reading the environment: a reader that collects every problem before failing, and the
 * platform settings (database, bus, storage) all services share.
 */

export type { EnvReader } from "./reader.ts";
export { ConfigError, envReader } from "./reader.ts";
export type { BusKind, PlatformConfig } from "./platform.ts";
export { BUS_KINDS, readPlatformConfig } from "./platform.ts";
