import { daysBetween, todayUtc } from "./dates.ts";

/** The blob container holding every invoice, as `<ownerId>/<registrationId>`. */
export const INVOICE_CONTAINER = "invoices";

/** Where a stored warranty stands today. */
export interface WarrantyState {
  readonly status: "active" | "expired";
  /** Days from today to the last covered day: 0 on that day, and 0 once expired. */
  readonly daysLeft: number;
}

/** The warranty covers up to and including `expiresOn`. */
export function warrantyState(expiresOn: string, now: Date = new Date()): WarrantyState {
  const days = daysBetween(todayUtc(now), expiresOn);
  return days < 0 ? { status: "expired", daysLeft: 0 } : { status: "active", daysLeft: days };
}
