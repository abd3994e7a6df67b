/**
 * What every transport (amqp, postgres, service-bus) and the outbox share: one mapping from
 * driver errors to bus error codes, one closed-guard and close-once lifecycle, and one backoff.
 */
import { AppError, describeError } from "../errors/index.ts";
import type { Transport } from "./port.ts";

/** The codes a transport fails with, the same on every transport for the same failure. */
export const BUS_ERROR_CODES = {
  /** The broker cannot be reached or did not take the request; retrying later may work. */
  unavailable: "BUS_UNAVAILABLE",
  /** The transport was closed; nothing more goes through it. */
  closed: "BUS_CLOSED",
} as const;

/** Names the transport in error messages and logs. */
export type TransportName = "amqp" | "postgres" | "service-bus";

/** A retryable BUS_UNAVAILABLE (503) saying what failed and, when there is one, why. */
export function busUnavailable(transport: TransportName, detail: string, cause?: unknown): AppError {
  const why = cause === undefined ? "" : `: ${describeError(cause).message}`;
  return new AppError(BUS_ERROR_CODES.unavailable, `${transport} transport: ${detail}${why}`, { retryable: true, status: 503, cause });
}

/**
 * Runs a driver call. An AppError passes through (it already says what went wrong); anything
 * else the driver throws becomes a retryable `code`, BUS_UNAVAILABLE unless the caller names
 * a more precise one, with the driver's error as its cause.
 */
export async function driverCall<T>(
  transport: TransportName,
  action: string,
  run: () => Promise<T>,
  code: string = BUS_ERROR_CODES.unavailable,
): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    if (code === BUS_ERROR_CODES.unavailable) throw busUnavailable(transport, `${action} failed`, cause);
    throw new AppError(code, `${transport} transport: ${action} failed: ${describeError(cause).message}`, {
      retryable: true,
      status: 503,
      cause,
    });
  }
}

/** The error of any call on a closed transport. */
export function busClosed(transport: string): AppError {
  return new AppError(BUS_ERROR_CODES.closed, `the ${transport} transport is closed`);
}

/**
 * The one lifecycle of a transport: once `close` is called every other method rejects with
 * BUS_CLOSED (never throws synchronously), and `close` tears down once however often it is
 * called. The transports themselves carry no closed flag.
 */
export function withLifecycle(transport: Transport): Transport {
  let closing: Promise<void> | undefined;
  const open =
    <A extends unknown[], R>(method: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (closing) throw busClosed(transport.name);
      return method(...args);
    };
  const { broadcast, subscribeBroadcast } = transport;
  return {
    name: transport.name,
    send: open((queue, message) => transport.send(queue, message)),
    consume: open((queue, onDelivery, options) => transport.consume(queue, onDelivery, options)),
    depth: open((queue) => transport.depth(queue)),
    listDeadLetters: open((queue, options) => transport.listDeadLetters(queue, options)),
    getDeadLetter: open((queue, messageId) => transport.getDeadLetter(queue, messageId)),
    replayDeadLetters: open((queue, selector) => transport.replayDeadLetters(queue, selector)),
    purgeDeadLetters: open((queue, selector) => transport.purgeDeadLetters(queue, selector)),
    ping: open(() => transport.ping()),
    ...(broadcast && subscribeBroadcast
      ? {
          broadcast: open((topic: string, body: string) => broadcast(topic, body)),
          subscribeBroadcast: open((topic: string, instanceId: string, onMessage: (body: string) => void) =>
            subscribeBroadcast(topic, instanceId, onMessage),
          ),
        }
      : {}),
    close: () => (closing ??= transport.close()),
  };
}

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

/** Longest pause of a polling loop (a consumer's claim loop, the outbox relay) after failures. */
const LOOP_BACKOFF_MAX_MS = 30_000;

/** Pause of a polling loop after its `failures`-th failure in a row: twice its interval, doubling, capped at 30 s. */
export function loopBackoff(failures: number, intervalMs: number): number {
  return backoffDelay(failures, { baseMs: 2 * intervalMs, maxMs: LOOP_BACKOFF_MAX_MS });
}
