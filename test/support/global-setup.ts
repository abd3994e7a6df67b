import { randomUUID } from "node:crypto";
import type { TestProject } from "vitest/node";
import { startAzurite } from "../../lib/embedded/index.ts";
import { createLogger } from "../../lib/log/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Unique per `npm test` run; databases and queues carry it. */
    runId: string;
    /** A PostgreSQL URL with rights to create databases. */
    adminDatabaseUrl: string;
    amqpUrl: string;
    /** Azure Storage connection string: AZURE_STORAGE_CONNECTION_STRING, or an in-memory Azurite started for this run. */
    storageConnectionString: string;
  }
}

/** Runs once per `npm test`: names the run and tells test files where the real services are. */
export default async function setup(project: TestProject) {
  project.provide("runId", randomUUID().slice(0, 8));
  project.provide("adminDatabaseUrl", process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");
  project.provide("amqpUrl", process.env.TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672");
  const storage = process.env.AZURE_STORAGE_CONNECTION_STRING;
  if (storage) {
    project.provide("storageConnectionString", storage);
    return undefined;
  }
  const azurite = await startAzurite({ port: 0, inMemory: true, logger: createLogger({ level: "warn", name: "azurite" }) });
  project.provide("storageConnectionString", azurite.connectionString);
  return () => azurite.stop();
}
