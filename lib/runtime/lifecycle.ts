import type { Health } from "../health/index.ts";
import type { Logger } from "../log/index.ts";

/** A started service inside a process: an HTTP server, a set of consumers, a scheduler. */
export interface RunningService {
  readonly name: string;
  /** Stops taking new work, finishes what is in flight, then resolves. */
  stop(): Promise<void>;
}

/** What {@link runUntilSignal} drains and closes. */
export interface ProcessParts {
  readonly logger: Logger;
  readonly health: Health;
  readonly services: readonly RunningService[];
  /** Closes shared resources after every service has stopped. */
  readonly close: () => Promise<void>;
  readonly shutdownTimeoutMs: number;
}

/**
 * Waits for SIGTERM or SIGINT, then drains: readiness goes to "draining" at once so load
 * balancers stop sending work, services stop in reverse start order (in-flight work
 * finishes), shared resources close, and the process exits 0. A drain that overruns the
 * timeout, or a second signal, exits non-zero; unfinished messages are redelivered.
 */
export function runUntilSignal(parts: ProcessParts): Promise<number> {
  return new Promise((resolve) => {
    let draining = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (draining) {
        parts.logger.warn({ signal }, "second signal; exiting without finishing the drain");
        resolve(130);
        return;
      }
      draining = true;
      parts.logger.info({ signal }, "draining");
      parts.health.startDraining();
      const timer = setTimeout(() => {
        parts.logger.error({ timeoutMs: parts.shutdownTimeoutMs }, "drain timed out");
        resolve(1);
      }, parts.shutdownTimeoutMs);
      timer.unref();
      drain(parts).then(
        () => {
          clearTimeout(timer);
          parts.logger.info("stopped");
          resolve(0);
        },
        (error: unknown) => {
          clearTimeout(timer);
          parts.logger.error({ err: error }, "drain failed");
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}

async function drain(parts: ProcessParts): Promise<void> {
  for (const service of [...parts.services].reverse()) {
    await service.stop();
    parts.logger.info({ component: service.name }, "service stopped");
  }
  await parts.close();
}
