import type { Logger } from "../log/index.ts";
import type { FlagStore } from "./store.ts";

/** How services ask whether a feature is on. */
export interface FlagEvaluator {
  /**
   * The flag's value, at most `ttlMs` old. False (the legacy behaviour) when the flag does
   * not exist or the store cannot be read in time: a broken flag store must never switch a
   * feature on.
   */
  isEnabled(name: string): Promise<boolean>;
}
export interface FlagEvaluatorOptions {
  readonly store: Pick<FlagStore, "get">;
  /** How long a read value is reused; at most 5 s so a rollback reaches every process quickly. */
  readonly ttlMs?: number;
  /** Longest wait for the store before falling back to the safe default. */
  readonly timeoutMs?: number;
  /** Milliseconds since some fixed point; injectable so tests control time. */
  readonly now?: () => number;
  readonly logger?: Logger;
}

/** Longest cache lifetime allowed (SEQ-OF-004: every process sees a change within 5 s). */
export const MAX_FLAG_TTL_MS = 5000;

/**
 * A per-process cache over a flag store. The cache belongs to the evaluator, so each
 * process (or test) creates its own; failures are not cached, so the next call retries.
 */
export function createFlagEvaluator(options: FlagEvaluatorOptions): FlagEvaluator {
  const ttlMs = Math.min(options.ttlMs ?? MAX_FLAG_TTL_MS, MAX_FLAG_TTL_MS);
  const timeoutMs = options.timeoutMs ?? 2000;
  const now = options.now ?? (() => performance.now());
  const cache = new Map<string, { value: boolean; expires: number }>();
  return {
    async isEnabled(name) {
      const cached = cache.get(name);
      if (cached !== undefined && now() < cached.expires) return cached.value;
      try {
        const flag = await withTimeout(options.store.get(name), timeoutMs);
        const value = flag?.enabled ?? false;
        cache.set(name, { value, expires: now() + ttlMs });
        return value;
      } catch (error) {
        cache.delete(name);
        options.logger?.warn({ flag: name, err: error instanceof Error ? error.message : String(error) }, "flag store unreachable; using the safe default (off)");
        return false;
      }
    },
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the flag store within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
