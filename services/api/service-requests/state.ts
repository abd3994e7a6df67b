import type { Principal } from "../../../lib/auth/index.ts";
import { AppError } from "../../../lib/errors/index.ts";
import { SERVICE_REQUEST_ERRORS, SERVICE_REQUEST_STATUS } from "../../../lib/warranty/index.ts";
import type { ServiceRequest, ServiceRequestStatus } from "../../../lib/warranty/index.ts";

/**
 * Who may see and move a service request, and where a change takes it: pure, so the rules are
 * tested without a database and the routes only load, decide and write.
 */

/** What a PATCH asks for. */
export interface ServiceRequestChange {
  readonly technicianId?: string;
  readonly status?: ServiceRequestStatus;
}

/** Statuses an assigned technician may set; everything else is for super admins and operators (and closing, for the customer). */
const TECHNICIAN_STATUSES: readonly ServiceRequestStatus[] = [SERVICE_REQUEST_STATUS.inProgress, SERVICE_REQUEST_STATUS.resolved];

/** Staff see every request; a technician the ones assigned to them; a consumer their own. */
export function maySee(caller: Principal, request: Pick<ServiceRequest, "customerId" | "technicianId">): boolean {
  if (caller.role === "super_admin" || caller.role === "operator") return true;
  if (caller.role === "technician") return request.technicianId === caller.subject;
  return caller.role === "consumer" && request.customerId === caller.subject;
}

/** Throws 403 when the caller's role may not make this change, whatever the request's state. */
export function checkAllowed(caller: Principal, change: ServiceRequestChange): void {
  if (caller.role === "super_admin" || caller.role === "operator") return;
  const forbidden = (message: string) => new AppError("FORBIDDEN", message, { status: 403 });
  if (change.technicianId !== undefined) throw forbidden("only super admins and operators assign technicians");
  if (caller.role === "technician" && change.status !== undefined && !TECHNICIAN_STATUSES.includes(change.status)) {
    throw forbidden(`a technician may set the status to ${TECHNICIAN_STATUSES.join(" or ")}`);
  }
  if (caller.role === "consumer" && change.status !== undefined && change.status !== SERVICE_REQUEST_STATUS.closed) {
    throw forbidden("a customer may only close the request");
  }
}

/**
 * Where an allowed change takes the request: assigning a technician moves an open request to
 * `assigned`; a closed request is final (409) and `assigned` needs a technician (422).
 */
export function nextState(
  current: Pick<ServiceRequest, "technicianId" | "status">,
  change: ServiceRequestChange,
): { technicianId: string | null; status: ServiceRequestStatus } {
  if (current.status === SERVICE_REQUEST_STATUS.closed) {
    throw new AppError(SERVICE_REQUEST_ERRORS.closed, "a closed service request cannot change", { status: 409 });
  }
  const technicianId = change.technicianId ?? current.technicianId;
  const assigns = change.technicianId !== undefined && current.status === SERVICE_REQUEST_STATUS.open;
  const status = change.status ?? (assigns ? SERVICE_REQUEST_STATUS.assigned : current.status);
  if (status === SERVICE_REQUEST_STATUS.assigned && technicianId === null) {
    throw new AppError("TECHNICIAN_REQUIRED", "a request is assigned only with a technicianId", { status: 422, details: { field: "technicianId" } });
  }
  return { technicianId, status };
}
