import { describe, expect, it } from "vitest";
import type { Pool } from "../../lib/db/index.ts";
import { REGISTRATION_ERRORS, resolveRegistration } from "../../lib/warranty/index.ts";

// resolveRegistration's rules, without a database: the catalog lookup is one query, answered here
// with the row it would return (none when the brand is unknown).

const NOW = new Date("2026-03-10T12:00:00Z");

const MODEL = {
  brandFound: true,
  brandId: "b1",
  brandName: "Acme",
  brandSerialFormat: "@@-####",
  modelId: "m1",
  modelNumber: "K-1",
  modelName: "Kettle",
  warrantyMonths: 24,
  modelSerialFormat: null,
  serialHolder: null,
};

function catalog(row: Record<string, unknown> | undefined): Pool {
  return { query: async () => ({ rows: row === undefined ? [] : [row] }) } as unknown as Pool;
}

const entries = { brand: "acme", modelNumber: "k-1", serialNumber: " AB-1234 ", purchaseDate: "2025-05-01" };

describe("resolveRegistration", () => {
  it("accepts a known model with a matching serial and dates the warranty from the purchase", async () => {
    const resolved = await resolveRegistration(catalog(MODEL), entries, { now: NOW });
    expect(resolved).toMatchObject({ serialNumber: "AB-1234", purchaseDate: "2025-05-01", warrantyExpiresOn: "2027-05-01" });
    expect(resolved.model.modelId).toBe("m1");
  });

  it.each([
    ["an impossible date", { purchaseDate: "2025-02-30" }, MODEL, REGISTRATION_ERRORS.purchaseDateInvalid, 422],
    ["a date more than a day ahead", { purchaseDate: "2026-03-12" }, MODEL, REGISTRATION_ERRORS.purchaseDateInFuture, 422],
    ["an unknown brand", {}, undefined, REGISTRATION_ERRORS.unknownBrand, 422],
    ["a brand without that model", {}, { brandFound: true, serialHolder: null }, REGISTRATION_ERRORS.unknownModel, 422],
    ["a serial off the brand's format", { serialNumber: "1234" }, MODEL, REGISTRATION_ERRORS.serialFormat, 422],
    ["a serial the brand already registered", {}, { ...MODEL, serialHolder: "p9" }, REGISTRATION_ERRORS.serialTaken, 409],
  ])("refuses %s", async (_name, change, row, code, status) => {
    await expect(resolveRegistration(catalog(row), { ...entries, ...change }, { now: NOW })).rejects.toMatchObject({ code, status });
  });

  it("accepts a purchase dated tomorrow, which is already today east of UTC", async () => {
    await expect(resolveRegistration(catalog(MODEL), { ...entries, purchaseDate: "2026-03-11" }, { now: NOW })).resolves.toBeDefined();
  });

  it("checks the model's own serial format before the brand's", async () => {
    const row = { ...MODEL, modelSerialFormat: "####" };
    await expect(resolveRegistration(catalog(row), { ...entries, serialNumber: "1234" }, { now: NOW })).resolves.toBeDefined();
    await expect(resolveRegistration(catalog(row), entries, { now: NOW })).rejects.toMatchObject({ code: REGISTRATION_ERRORS.serialFormat });
  });
});
