import { randomUUID } from "node:crypto";

/** Every message on the bus has this shape; `payload` is validated per `type` and `version`. */
export interface Envelope<P = unknown> {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly occurredAt: string;
  readonly correlationId: string;
  readonly payload: P;
}

/** Builds an envelope with a fresh id; the correlation id is carried from the caller. */
export function createEnvelope<P>(
  type: string,
  payload: P,
  options: { readonly correlationId?: string; readonly version?: number; readonly id?: string } = {},
): Envelope<P> {
  const id = options.id ?? randomUUID();
  return {
    id,
    type,
    version: options.version ?? 1,
    occurredAt: new Date().toISOString(),
    correlationId: options.correlationId ?? id,
    payload,
  };
}
