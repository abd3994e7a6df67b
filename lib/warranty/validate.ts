import type { PoolClient } from "pg";
import type { Pool } from "../db/index.ts";
import { AppError } from "../errors/index.ts";
import { compileSerialFormat } from "../serial-format/index.ts";
import { lookupCatalog } from "./catalog.ts";
import type { CatalogModel } from "./catalog.ts";
import { addCalendarMonths, daysBetween, isIsoDate, todayUtc } from "./dates.ts";

/** What a consumer enters to register a product. */
export interface RegistrationEntries {
  readonly brand: string;
  readonly modelNumber: string;
  readonly serialNumber: string;
  /** `YYYY-MM-DD`. */
  readonly purchaseDate: string;
}

/** A registration that passed every check, with what storing it needs. */
export interface ResolvedRegistration {
  readonly model: CatalogModel;
  readonly serialNumber: string;
  readonly purchaseDate: string;
  readonly warrantyExpiresOn: string;
}

/** Stable codes of registration refusals. */
export const REGISTRATION_ERRORS = {
  purchaseDateInvalid: "PURCHASE_DATE_INVALID",
  purchaseDateInFuture: "PURCHASE_DATE_IN_FUTURE",
  unknownBrand: "UNKNOWN_BRAND",
  unknownModel: "UNKNOWN_MODEL",
  serialFormat: "SERIAL_FORMAT_MISMATCH",
  serialTaken: "SERIAL_ALREADY_REGISTERED",
} as const;

/** A purchase may be dated one day past today's UTC date: it is already tomorrow east of UTC. */
const FUTURE_SLACK_DAYS = 1;

/**
 * Checks entries against the catalog: a real purchase date not in the future, a known brand
 * and model, a serial matching the model's (else the brand's) format, and a serial the brand
 * has not registered yet (`exceptProductId` lets an edit keep its own). Throws AppErrors with
 * the codes in {@link REGISTRATION_ERRORS}: 422, or 409 for a taken serial.
 */
export async function resolveRegistration(
  db: Pool | PoolClient,
  entries: RegistrationEntries,
  options: { readonly exceptProductId?: string; readonly now?: Date } = {},
): Promise<ResolvedRegistration> {
  const purchaseDate = checkPurchaseDate(entries.purchaseDate, options.now);
  const serialNumber = entries.serialNumber.trim();
  const found = await lookupCatalog(db, { ...entries, serialNumber }, options.exceptProductId);
  if (!found.brandFound) {
    throw refusal(REGISTRATION_ERRORS.unknownBrand, `no brand named ${JSON.stringify(entries.brand)}`, "brand");
  }
  const { model } = found;
  if (model === undefined) {
    const message = `brand ${JSON.stringify(entries.brand)} has no model ${JSON.stringify(entries.modelNumber)}`;
    throw refusal(REGISTRATION_ERRORS.unknownModel, message, "modelNumber");
  }
  const mask = model.modelSerialFormat ?? model.brandSerialFormat;
  if (mask !== null && !compileSerialFormat(mask).matches(serialNumber)) {
    throw refusal(REGISTRATION_ERRORS.serialFormat, `serial number does not match the format ${mask}`, "serialNumber", { format: mask });
  }
  if (found.serialHolder !== undefined) throw serialTaken(model.brandName, serialNumber);
  return { model, serialNumber, purchaseDate, warrantyExpiresOn: addCalendarMonths(purchaseDate, model.warrantyMonths) };
}

/** The 409 for a brand + serial that is already registered. */
export function serialTaken(brand: string, serialNumber: string): AppError {
  return new AppError(REGISTRATION_ERRORS.serialTaken, `${brand} serial ${serialNumber} is already registered`, {
    status: 409,
    details: { field: "serialNumber" },
  });
}

function checkPurchaseDate(value: string, now: Date | undefined): string {
  if (!isIsoDate(value)) {
    throw refusal(REGISTRATION_ERRORS.purchaseDateInvalid, "purchaseDate must be a calendar date YYYY-MM-DD", "purchaseDate");
  }
  if (daysBetween(todayUtc(now), value) > FUTURE_SLACK_DAYS) {
    throw refusal(REGISTRATION_ERRORS.purchaseDateInFuture, `purchase date ${value} is in the future`, "purchaseDate");
  }
  return value;
}

function refusal(code: string, message: string, field: string, extra: Record<string, unknown> = {}): AppError {
  return new AppError(code, message, { status: 422, details: { field, ...extra } });
}
