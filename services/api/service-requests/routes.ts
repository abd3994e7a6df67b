import type { PoolClient } from "pg";
import type { Principal } from "../../../lib/auth/index.ts";
import { withTransaction } from "../../../lib/db/index.ts";
import type { Pool } from "../../../lib/db/index.ts";
import { AppError } from "../../../lib/errors/index.ts";
import { principalOf } from "../../../lib/http/index.ts";
import type { ValidInput } from "../../../lib/http/index.ts";
import { SERVICE_REQUEST_STATUS, insertServiceRequest, readServiceRequest, serviceRequestNotFound, updateServiceRequest } from "../../../lib/warranty/index.ts";
import type { ServiceRequest } from "../../../lib/warranty/index.ts";
import type { RouteModule } from "../route-module.ts";
import { checkAllowed, maySee, nextState } from "./state.ts";
import type { ServiceRequestChange } from "./state.ts";

/** The pool, and who to tell when a request's chat participants change. */
export interface ServiceRequestRouteDeps {
  readonly pool: Pool;
  /**
   * Told after a request's technician changes or it closes, so live chat drops whoever is no
   * longer a participant at once. Chat also re-checks on every join and send, so a failure
   * here is logged by the caller, never returned to the client.
   */
  readonly participantsChanged?: (request: ServiceRequest) => Promise<void>;
}

/** `/api/v1/service-requests`: consumers open them on their own products; staff assign technicians and move them on. */
export function serviceRequestRoutes(deps: ServiceRequestRouteDeps): RouteModule {
  return (registry) => {
    registry.add<ValidInput<{ productId: string; description: string }>>({
      method: "post",
      path: "/api/v1/service-requests",
      operationId: "createServiceRequest",
      summary: "Open a service request on one of the caller's products",
      description: "The product can no longer be edited afterwards (`PRODUCT_LOCKED`).",
      tags: ["service-requests"],
      roles: ["consumer"],
      request: { body: "service-requests/create.json" },
      responses: { 201: { description: "Opened", schema: "service-requests/request.json" }, 404: { description: "No such product of the caller's" } },
      handler: async (c, input) => {
        const created = await createRequest(deps.pool, principalOf(c).subject, input.body.productId, input.body.description);
        c.header("location", `/api/v1/service-requests/${created.id}`);
        return c.json(created, 201);
      },
    });
    registry.add<ValidInput<undefined, Record<string, unknown>, { id: string }>>({
      method: "get",
      path: "/api/v1/service-requests/:id",
      operationId: "getServiceRequest",
      summary: "One service request",
      description: "Its customer, its assigned technician, super admins and operators; others get 404.",
      tags: ["service-requests"],
      roles: ["consumer", "technician", "super_admin", "operator"],
      request: { params: "service-requests/params.json" },
      responses: { 200: { description: "The request", schema: "service-requests/request.json" }, 404: { description: "Not found" } },
      handler: async (c, input) => {
        const found = await readServiceRequest(deps.pool, input.params.id);
        if (found === undefined || !maySee(principalOf(c), found)) throw serviceRequestNotFound(input.params.id);
        return c.json(found);
      },
    });
    registry.add<ValidInput<ServiceRequestChange, Record<string, unknown>, { id: string }>>({
      method: "patch",
      path: "/api/v1/service-requests/:id",
      operationId: "updateServiceRequest",
      summary: "Assign a technician or change the status",
      description:
        "`technicianId`: super admins and operators (an open request becomes `assigned`). `status`: super admins and operators any; " +
        "the assigned technician `in_progress` or `resolved`; the customer `closed`. Closing sets `closedAt`; closed requests are final (409).",
      tags: ["service-requests"],
      roles: ["consumer", "technician", "super_admin", "operator"],
      request: { params: "service-requests/params.json", body: "service-requests/update.json" },
      responses: {
        200: { description: "The updated request", schema: "service-requests/request.json" },
        404: { description: "Not found" },
        409: { description: "`SERVICE_REQUEST_CLOSED`" },
      },
      handler: async (c, input) => {
        const updated = await updateRequest(deps.pool, principalOf(c), input.params.id, input.body);
        if (input.body.technicianId !== undefined || updated.status === SERVICE_REQUEST_STATUS.closed) {
          await deps.participantsChanged?.(updated).catch((error: unknown) =>
            c.get("logger").warn({ err: error }, "chat participants change not broadcast"),
          );
        }
        return c.json(updated);
      },
    });
  };
}

async function createRequest(pool: Pool, customerId: string, productId: string, description: string): Promise<ServiceRequest> {
  return withTransaction(pool, async (client) => {
    await lockOwnProduct(client, customerId, productId);
    return insertServiceRequest(client, { productId, customerId, description });
  });
}

/** The same row lock a product edit takes: an edit and the first request never interleave. */
async function lockOwnProduct(client: PoolClient, customerId: string, productId: string): Promise<void> {
  const { rows } = await client.query<{ owner_id: string }>("select owner_id from products where id = $1 for update", [productId]);
  if (rows[0] === undefined || rows[0].owner_id !== customerId) {
    throw new AppError("PRODUCT_NOT_FOUND", `no product ${productId}`, { status: 404, details: { id: productId } });
  }
}

async function updateRequest(pool: Pool, caller: Principal, id: string, change: ServiceRequestChange): Promise<ServiceRequest> {
  return withTransaction(pool, async (client) => {
    const current = await readServiceRequest(client, id, true);
    if (current === undefined || !maySee(caller, current)) throw serviceRequestNotFound(id);
    checkAllowed(caller, change);
    return updateServiceRequest(client, id, nextState(current, change));
  });
}
