import { AppError, describeError } from "../errors/index.ts";

/** A dependency probe: resolves when the dependency answers, rejects otherwise. */
export type HealthCheck = () => Promise<void>;

/** One check's result in a readiness report. */
export interface CheckResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly ms: number;
}

/** Readiness statuses; anything but `ready` is answered with 503. */
export const READINESS = ["ready", "not_ready", "draining"] as const;
export type Readiness = (typeof READINESS)[number];

/** What `/health/ready` reports. */
export interface ReadinessReport {
  readonly status: Readiness;
  /** The build this process runs, so a probe or smoke test sees which version answered. */
  readonly version?: string;
  readonly checks: Readonly<Record<string, CheckResult>>;
}

/** Liveness and readiness of one process. */
export interface Health {
  /** The process answers: nothing external is consulted, so a slow database never restarts pods. */
  live(): { readonly status: "ok" };
  /** Runs every check at once, each bounded by the timeout; `draining` skips them. */
  ready(): Promise<ReadinessReport>;
  /**
   * Adds a named check from now on: a service adds what only it depends on (the ingest worker,
   * which takes backups, its `backupTools`). A name may be used once.
   */
  addCheck(name: string, check: HealthCheck): void;
  /** From now on readiness answers `draining`, so load balancers stop routing here. */
  startDraining(): void;
  readonly draining: boolean;
}
export interface HealthOptions {
  /** Longest a single check may take before it counts as failed; default 2000. */
  readonly timeoutMs?: number;
  /** Reported in every readiness report. */
  readonly version?: string;
}

/** Creates the health of a process from named dependency checks. */
export function createHealth(checks: Readonly<Record<string, HealthCheck>>, options: HealthOptions = {}): Health {
  const timeoutMs = options.timeoutMs ?? 2000;
  const all = new Map(Object.entries(checks));
  let draining = false;
  const version = options.version === undefined ? {} : { version: options.version };
  return {
    live: () => ({ status: "ok" }),
    async ready() {
      if (draining) return { status: "draining", ...version, checks: {} };
      const entries = await Promise.all(
        [...all].map(async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const),
      );
      const results = Object.fromEntries(entries);
      // Draining may have started while the checks ran; it wins.
      if (draining) return { status: "draining", ...version, checks: results };
      return { status: entries.every(([, r]) => r.ok) ? "ready" : "not_ready", ...version, checks: results };
    },
    addCheck(name, check) {
      if (all.has(name)) throw new AppError("HEALTH_CHECK_EXISTS", `a health check named ${name} exists already`);
      all.set(name, check);
    },
    startDraining() {
      draining = true;
    },
    get draining() {
      return draining;
    },
  };
}

async function runCheck(check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // `check()` may throw synchronously; the async wrapper turns that into a rejection.
    await Promise.race([(async () => check())(), timeout]);
    return { ok: true, ms: ms() };
  } catch (error) {
    return { ok: false, error: describeError(error).message, ms: ms() };
  } finally {
    clearTimeout(timer);
  }
}
