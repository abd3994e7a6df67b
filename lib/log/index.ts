/**
 * The structured JSON logger every process uses; children carry correlation and message ids.
 */

import { pino } from "pino";
import type { Logger as PinoLogger, LevelWithSilent } from "pino";

/** Structured JSON logger; children carry `correlationId`, `messageId` and the like. */
export type Logger = PinoLogger;

/** Levels accepted by `LOG_LEVEL`. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** A JSON logger writing to stdout, or to `destination` when given (tests collect lines). */
export function createLogger(
  options: { readonly level: LevelWithSilent; readonly name?: string },
  destination?: NodeJS.WritableStream,
): Logger {
  const settings = { level: options.level, base: { service: options.name ?? "warranty-hub" } };
  return destination ? pino(settings, destination) : pino(settings);
}
