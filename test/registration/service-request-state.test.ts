import { describe, expect, it } from "vitest";
import type { Principal } from "../../lib/auth/index.ts";
import { isAppError } from "../../lib/errors/index.ts";
import { checkAllowed, maySee, nextState } from "../../services/api/service-requests/state.ts";

// The service-request rules are pure: these run without a database, beside service-requests.test.ts.

const customer: Principal = { subject: "c-1", role: "consumer" };
const technician: Principal = { subject: "t-1", role: "technician" };
const operator: Principal = { subject: "o-1", role: "operator" };
const request = { customerId: "c-1", technicianId: "t-1" };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isAppError(error) ? `${error.status} ${error.code}` : "not an AppError";
  }
  return undefined;
}

describe("maySee", () => {
  it("lets staff see any request, a technician their assigned ones and a customer their own", () => {
    expect(maySee(operator, { customerId: "x", technicianId: null })).toBe(true);
    expect(maySee({ subject: "s", role: "super_admin" }, { customerId: "x", technicianId: null })).toBe(true);
    expect(maySee(technician, request)).toBe(true);
    expect(maySee({ subject: "t-2", role: "technician" }, request)).toBe(false);
    expect(maySee(customer, request)).toBe(true);
    expect(maySee({ subject: "c-2", role: "consumer" }, request)).toBe(false);
    expect(maySee({ subject: "c-1", role: "brand_admin", brand: "Acme" }, request)).toBe(false);
  });
});

describe("checkAllowed", () => {
  it("forbids everyone but staff to assign a technician", () => {
    expect(codeOf(() => checkAllowed(customer, { technicianId: "t-2" }))).toBe("403 FORBIDDEN");
    expect(codeOf(() => checkAllowed(technician, { technicianId: "t-2" }))).toBe("403 FORBIDDEN");
    expect(codeOf(() => checkAllowed(operator, { technicianId: "t-2", status: "closed" }))).toBeUndefined();
  });

  it("lets a technician set only in_progress or resolved, and a customer only closed", () => {
    expect(codeOf(() => checkAllowed(technician, { status: "in_progress" }))).toBeUndefined();
    expect(codeOf(() => checkAllowed(technician, { status: "resolved" }))).toBeUndefined();
    expect(codeOf(() => checkAllowed(technician, { status: "closed" }))).toBe("403 FORBIDDEN");
    expect(codeOf(() => checkAllowed(customer, { status: "closed" }))).toBeUndefined();
    expect(codeOf(() => checkAllowed(customer, { status: "resolved" }))).toBe("403 FORBIDDEN");
  });
});

describe("nextState", () => {
  it("moves an open request to assigned when a technician is assigned", () => {
    expect(nextState({ status: "open", technicianId: null }, { technicianId: "t-1" })).toEqual({ status: "assigned", technicianId: "t-1" });
  });

  it("keeps the status when a technician is replaced past open, and takes an explicit status as given", () => {
    expect(nextState({ status: "in_progress", technicianId: "t-1" }, { technicianId: "t-2" })).toEqual({ status: "in_progress", technicianId: "t-2" });
    expect(nextState({ status: "assigned", technicianId: "t-1" }, { status: "resolved" })).toEqual({ status: "resolved", technicianId: "t-1" });
  });

  it("refuses any change to a closed request, and assigned without a technician", () => {
    expect(codeOf(() => nextState({ status: "closed", technicianId: "t-1" }, { status: "open" }))).toBe("409 SERVICE_REQUEST_CLOSED");
    expect(codeOf(() => nextState({ status: "open", technicianId: null }, { status: "assigned" }))).toBe("422 TECHNICIAN_REQUIRED");
  });
});
