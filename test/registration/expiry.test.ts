import { describe, expect, it } from "vitest";
import { addCalendarMonths, daysBetween, isIsoDate, warrantyState } from "../../lib/warranty/index.ts";
import { preferredWait } from "../../services/api/registration/routes.ts";

describe("warranty expiry: calendar months", () => {
  it.each([
    ["2024-01-31", 1, "2024-02-29"],
    ["2023-01-31", 1, "2023-02-28"],
    ["2024-01-30", 1, "2024-02-29"],
    ["2024-03-31", 1, "2024-04-30"],
    ["2024-02-29", 12, "2025-02-28"],
    ["2024-02-29", 48, "2028-02-29"],
    ["2024-08-31", 6, "2025-02-28"],
    ["2024-11-15", 2, "2025-01-15"],
    ["2024-12-31", 1, "2025-01-31"],
    ["2024-05-31", 120, "2034-05-31"],
    ["2024-03-05", 24, "2026-03-05"],
  ])("%s + %i months = %s", (from, months, expected) => {
    expect(addCalendarMonths(from, months)).toBe(expected);
  });

  it("refuses dates that are not calendar days", () => {
    expect(isIsoDate("2024-02-30")).toBe(false);
    expect(isIsoDate("2024-2-3")).toBe(false);
    expect(isIsoDate("2023-02-29")).toBe(false);
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(() => addCalendarMonths("2024-13-01", 1)).toThrow(/cannot add/);
  });

  it("counts days left up to and including the last covered day", () => {
    const now = new Date("2025-02-27T23:59:00Z");
    expect(warrantyState("2025-02-28", now)).toEqual({ status: "active", daysLeft: 1 });
    expect(warrantyState("2025-02-27", now)).toEqual({ status: "active", daysLeft: 0 });
    expect(warrantyState("2025-02-26", now)).toEqual({ status: "expired", daysLeft: 0 });
    expect(daysBetween("2024-02-28", "2024-03-01")).toBe(2);
  });

  it("reads Prefer: wait, capped at 10 seconds", () => {
    expect(preferredWait(undefined)).toBe(0);
    expect(preferredWait("wait=3")).toBe(3);
    expect(preferredWait("respond-async, wait=100")).toBe(10);
    expect(preferredWait("return=minimal")).toBe(0);
  });
});
