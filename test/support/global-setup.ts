import { randomUUID } from "node:crypto";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Unique per `npm test` run; databases and queues carry it. */
    runId: string;
    /** A PostgreSQL URL with rights to create databases. */
    adminDatabaseUrl: string;
    amqpUrl: string;
  }
}

/** Runs once per `npm test`: names the run and tells test files where the real services are. */
export default function setup(project: TestProject) {
  project.provide("runId", randomUUID().slice(0, 8));
  project.provide("adminDatabaseUrl", process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres");
  project.provide("amqpUrl", process.env.TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672");
}
