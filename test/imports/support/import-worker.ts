/**
 * An ingest worker for test/imports/sigkill.test.ts, run as `node import-worker.ts`: the real
 * import consumers plus an outbox relay. With HOLD_PHASE `in-transaction` it stops inside the
 * first chunk's transaction, with `after-commit` after committing it but before the ack, and
 * says so on stdout (JSON lines), so the parent can SIGKILL it there.
 */
import { createAzureBlobStore } from "../../../lib/blob/index.ts";
import { createAmqpTransport, createBus, createPostgresTransport } from "../../../lib/bus/index.ts";
import { createPool } from "../../../lib/db/index.ts";
import type { ImportChunk } from "../../../lib/messages/index.ts";
import { startOutboxRelay } from "../../../lib/outbox/index.ts";
import { loadValidator } from "../../../lib/runtime/index.ts";
import { startImportWorkers } from "../../../services/ingest/imports/index.ts";
import { testLogger } from "../../support/bus.ts";

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`import-worker needs ${name}`);
  return value;
}

function report(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, pid: process.pid, ...fields })}\n`);
}

async function main(): Promise<void> {
  const logger = testLogger();
  const pool = createPool(setting("DATABASE_URL"), { max: 6, applicationName: "import-worker" });
  const transport =
    setting("TRANSPORT") === "postgres"
      ? createPostgresTransport({ pool, logger, leaseMs: 1000, pollIntervalMs: 100 })
      : createAmqpTransport({ url: setting("AMQP_URL"), logger });
  const bus = createBus({ transport, validator: await loadValidator(), logger, queuePrefix: setting("QUEUE_PREFIX") });
  const blob = createAzureBlobStore({ connectionString: setting("STORAGE"), containerPrefix: setting("CONTAINER_PREFIX") });
  const phase = setting("HOLD_PHASE");
  let held = false;
  const hold = async (at: string, payload: ImportChunk) => {
    if (phase !== at || held) return;
    held = true;
    report("holding", { chunkNo: payload.chunkNo });
    await new Promise((resolve) => setTimeout(resolve, 120_000));
  };
  const relay = startOutboxRelay({ pool, bus, logger, idleMs: 100 });
  const workers = await startImportWorkers({
    pool,
    bus,
    blob,
    consume: { concurrency: 1, backoff: { baseMs: 50, maxMs: 200 } },
    beforeCommit: (payload) => hold("in-transaction", payload),
    afterCommit: (payload) => hold("after-commit", payload),
  });
  process.once("SIGTERM", () => {
    void workers
      .stop()
      .then(() => relay.stop())
      .then(() => bus.close())
      .then(() => pool.end())
      .then(() => process.exit(0));
  });
  report("ready");
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
