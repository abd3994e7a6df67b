import type { Bus } from "../../../lib/bus/index.ts";
import { broadcast } from "../../../lib/messages/index.ts";
import { SERVICE_REQUEST_STATUS } from "../../../lib/warranty/index.ts";
import type { ServiceRequest } from "../../../lib/warranty/index.ts";

/**
 * Tells every chat relay who may now talk on a request (a closed one keeps only its
 * customer, who can still read), so a replaced technician is dropped at once.
 */
export function announceToChat(bus: Bus): (request: ServiceRequest) => Promise<void> {
  return async (request) => {
    if (!bus.canBroadcast) return;
    const technicianId = request.status === SERVICE_REQUEST_STATUS.closed ? null : request.technicianId;
    await broadcast(bus, "chat.participants-changed", { serviceRequestId: request.id, customerId: request.customerId, technicianId });
  };
}
