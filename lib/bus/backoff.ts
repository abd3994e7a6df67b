/** Retry timing: exponential growth, capped, with jitter so failed consumers do not retry in step. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Delay before attempt `failedAttempt + 1`. "Equal jitter": half the exponential step is
 * kept so delays still grow, the other half is random so retries spread out.
 */
export function backoffDelay(failedAttempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failedAttempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
