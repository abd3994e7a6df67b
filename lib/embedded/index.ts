export { startAzurite } from "./azurite.ts";
export type { AzuriteOptions, RunningAzurite } from "./azurite.ts";
export { startEmbeddedPostgres } from "./postgres.ts";
export type { EmbeddedPostgresOptions, RunningPostgres } from "./postgres.ts";
export { freePort } from "./net.ts";
