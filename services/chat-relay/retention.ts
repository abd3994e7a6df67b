import type { Pool } from "../../lib/db/index.ts";
import { describeError } from "../../lib/errors/index.ts";
import type { Logger } from "../../lib/log/index.ts";
import { deleteExpiredMessages } from "./store.ts";

/** A scheduled retention job. */
export interface RetentionJob {
  /** Runs one pass now; resolves with the number of messages deleted. */
  runOnce(): Promise<number>;
  /** Stops scheduling and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * Deletes the messages of service requests closed more than a year before `clock()`, every
 * `intervalMs` (first pass at once). Messages of open requests are never touched. Several
 * instances may run it: the delete is idempotent.
 */
export function startRetentionJob(deps: {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** The job's notion of now; tests pass a controllable one. */
  readonly clock?: () => Date;
}): RetentionJob {
  const clock = deps.clock ?? (() => new Date());
  let running: Promise<number> | undefined;
  let stopped = false;
  const runOnce = () => {
    running ??= deleteExpiredMessages(deps.pool, clock()).finally(() => (running = undefined));
    return running;
  };
  const tick = () => {
    runOnce()
      .then((deleted) => {
        if (deleted > 0) deps.logger.info({ deleted }, "chat retention deleted expired messages");
      })
      .catch((error: unknown) => deps.logger.warn({ err: describeError(error).message }, "chat retention pass failed"));
  };
  const timer = setInterval(tick, deps.intervalMs);
  timer.unref();
  tick();
  return {
    runOnce,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => 0);
    },
  };
}
