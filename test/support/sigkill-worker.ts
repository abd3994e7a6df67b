/**
 * A worker process for test/bus/sigkill.test.ts, run as `node sigkill-worker.ts`. It consumes
 * `work` and, in one transaction, records the message in the inbox and writes an effect row.
 * It then waits HOLD_MS so the parent can SIGKILL it mid-message: with HOLD_PHASE
 * `in-transaction` before committing, with `after-commit` after committing but before the
 * message is acknowledged. It reports progress as JSON lines on stdout and shuts down
 * cleanly on SIGTERM.
 */
import { createAmqpTransport, createBus, createPostgresTransport } from "../../lib/bus/index.ts";
import type { Transport } from "../../lib/bus/index.ts";
import { claimMessage, createPool, withTransaction } from "../../lib/db/index.ts";
import type { Pool } from "../../lib/db/index.ts";
import type { Logger } from "../../lib/log/index.ts";
import { testLogger, testValidator } from "./bus.ts";

/** The inbox consumer name the worker's handler claims messages under. */
const CONSUMER = "sigkill-effect";

function setting(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`sigkill-worker needs ${name}`);
  return value;
}

function report(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, pid: process.pid, ...fields })}\n`);
}

function makeTransport(kind: string, pool: Pool, logger: Logger): Transport {
  if (kind === "postgres") return createPostgresTransport({ pool, logger, leaseMs: 1000, pollIntervalMs: 100 });
  return createAmqpTransport({ url: setting("AMQP_URL"), logger });
}

async function main(): Promise<void> {
  const holdMs = Number(setting("HOLD_MS"));
  const phase = setting("HOLD_PHASE");
  const hold = () => new Promise((resolve) => setTimeout(resolve, holdMs));
  const logger = testLogger();
  const pool = createPool(setting("DATABASE_URL"), { max: 4, applicationName: "sigkill-worker" });
  const transport = makeTransport(setting("TRANSPORT"), pool, logger);
  const bus = createBus({ transport, validator: await testValidator(), logger, queuePrefix: setting("QUEUE_PREFIX") });
  await bus.consume(
    "work",
    async (message, ctx) => {
      const first = await withTransaction(pool, async (client) => {
        if (!(await claimMessage(client, CONSUMER, message.id))) return false;
        await client.query("insert into sigkill_effects (message_id, pid) values ($1, $2)", [message.id, process.pid]);
        if (phase === "in-transaction") {
          report("handling", { messageId: message.id, attempt: ctx.attempt });
          await hold();
        }
        return true;
      });
      if (first && phase === "after-commit") {
        report("handling", { messageId: message.id, attempt: ctx.attempt });
        await hold();
      }
      report("handled", { messageId: message.id, attempt: ctx.attempt, duplicate: !first });
    },
    { concurrency: 1, maxAttempts: 3, backoff: { baseMs: 50, maxMs: 200 } },
  );
  process.once("SIGTERM", () => {
    void bus
      .close()
      .then(() => pool.end())
      .then(() => process.exit(0));
  });
  report("ready");
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
