/**
 * Local stand-ins for the managed services (PostgreSQL, Azurite), started by `warranty-hub start`
 * and the tests so one machine can run the whole system.
 */

export { startAzurite } from "./azurite.ts";
export type { AzuriteOptions, RunningAzurite } from "./azurite.ts";
export { startEmbeddedPostgres } from "./postgres.ts";
export type { EmbeddedPostgresOptions, RunningPostgres } from "./postgres.ts";
export { freePort } from "./net.ts";
export { currentProcess, isRunning } from "./owner.ts";
export type { ProcessIdentity } from "./owner.ts";
