import { randomUUID } from "node:crypto";
import type { PoolClient } from "pg";
import type { Principal } from "../../../lib/auth/index.ts";
import type { Bus } from "../../../lib/bus/index.ts";
import { withTransaction } from "../../../lib/db/index.ts";
import type { Pool } from "../../../lib/db/index.ts";
import { AppError } from "../../../lib/errors/index.ts";
import { principalOf } from "../../../lib/http/index.ts";
import { broadcast } from "../../../lib/messages/index.ts";
import type { RouteRegistry, ValidInput } from "../../../lib/http/index.ts";

/** What the service-request routes need. */
export interface ServiceRequestRouteDeps {
  readonly pool: Pool;
  /**
   * Told after a request's technician changes or it closes, so live chat drops whoever is no
   * longer a participant at once. Chat also re-checks on every join and send, so a failure
   * here is logged by the caller, never returned to the client.
   */
  readonly participantsChanged?: (request: ServiceRequest) => Promise<void>;
}

/**
 * Tells every chat relay who may now talk on a request (a closed one keeps only its
 * customer, who can still read), so a replaced technician is dropped at once.
 */
export function announceToChat(bus: Bus): (request: ServiceRequest) => Promise<void> {
  return async (request) => {
    if (!bus.canBroadcast) return;
    const technicianId = request.status === "closed" ? null : request.technicianId;
    await broadcast(bus, "chat.participants-changed", { serviceRequestId: request.id, customerId: request.customerId, technicianId });
  };
}

/** Where a service request stands. */
export const SERVICE_REQUEST_STATUSES = ["open", "assigned", "in_progress", "resolved", "closed"] as const;
export type ServiceRequestStatus = (typeof SERVICE_REQUEST_STATUSES)[number];

/** A service request as the API shows it. */
export interface ServiceRequest {
  readonly id: string;
  readonly productId: string;
  readonly customerId: string;
  readonly technicianId: string | null;
  readonly status: ServiceRequestStatus;
  readonly description: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly closedAt: string | null;
}

interface Change {
  readonly technicianId?: string;
  readonly status?: ServiceRequestStatus;
}

const COLUMNS = `id, product_id as "productId", customer_id as "customerId", technician_id as "technicianId", status, description,
  to_json(created_at) #>> '{}' as "createdAt", to_json(updated_at) #>> '{}' as "updatedAt", to_json(closed_at) #>> '{}' as "closedAt"`;

/** Statuses an assigned technician may set; everything else is for super admins and operators (and closing, for the customer). */
const TECHNICIAN_STATUSES: readonly ServiceRequestStatus[] = ["in_progress", "resolved"];

/** `/api/v1/service-requests`: consumers open them on their own products; staff assign technicians and move them on. */
export function serviceRequestRoutes(deps: ServiceRequestRouteDeps) {
  return (registry: RouteRegistry): void => {
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
        const found = await readRequest(deps.pool, input.params.id);
        if (found === undefined || !maySee(principalOf(c), found)) throw notFound(input.params.id);
        return c.json(found);
      },
    });
    registry.add<ValidInput<Change, Record<string, unknown>, { id: string }>>({
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
        if (input.body.technicianId !== undefined || updated.status === "closed") {
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
    // The same row lock a product edit takes: an edit and the first request never interleave.
    const { rows } = await client.query<{ owner_id: string }>("select owner_id from products where id = $1 for update", [productId]);
    if (rows[0] === undefined || rows[0].owner_id !== customerId) {
      throw new AppError("PRODUCT_NOT_FOUND", `no product ${productId}`, { status: 404, details: { id: productId } });
    }
    const inserted = await client.query<ServiceRequest>(
      `insert into service_requests (id, product_id, customer_id, description) values ($1, $2, $3, $4) returning ${COLUMNS}`,
      [randomUUID(), productId, customerId, description],
    );
    return inserted.rows[0] as ServiceRequest;
  });
}

async function readRequest(db: Pool | PoolClient, id: string, lock = false): Promise<ServiceRequest | undefined> {
  const { rows } = await db.query<ServiceRequest>(`select ${COLUMNS} from service_requests where id = $1${lock ? " for update" : ""}`, [id]);
  return rows[0];
}

function maySee(caller: Principal, request: ServiceRequest): boolean {
  if (caller.role === "super_admin" || caller.role === "operator") return true;
  if (caller.role === "technician") return request.technicianId === caller.subject;
  return caller.role === "consumer" && request.customerId === caller.subject;
}

async function updateRequest(pool: Pool, caller: Principal, id: string, change: Change): Promise<ServiceRequest> {
  return withTransaction(pool, async (client) => {
    const current = await readRequest(client, id, true);
    if (current === undefined || !maySee(caller, current)) throw notFound(id);
    checkAllowed(caller, change);
    if (current.status === "closed") {
      throw new AppError("SERVICE_REQUEST_CLOSED", "a closed service request cannot change", { status: 409 });
    }
    const technicianId = change.technicianId ?? current.technicianId;
    const status = change.status ?? (change.technicianId !== undefined && current.status === "open" ? "assigned" : current.status);
    if (status === "assigned" && technicianId === null) {
      throw new AppError("TECHNICIAN_REQUIRED", "a request is assigned only with a technicianId", { status: 422, details: { field: "technicianId" } });
    }
    const { rows } = await client.query<ServiceRequest>(
      `update service_requests
          set technician_id = $2, status = $3, updated_at = now(),
              closed_at = case when $3 = 'closed' then now() else null end
        where id = $1 returning ${COLUMNS}`,
      [id, technicianId, status],
    );
    return rows[0] as ServiceRequest;
  });
}

function checkAllowed(caller: Principal, change: Change): void {
  if (caller.role === "super_admin" || caller.role === "operator") return;
  const forbidden = (message: string) => new AppError("FORBIDDEN", message, { status: 403 });
  if (change.technicianId !== undefined) throw forbidden("only super admins and operators assign technicians");
  if (caller.role === "technician" && change.status !== undefined && !TECHNICIAN_STATUSES.includes(change.status)) {
    throw forbidden(`a technician may set the status to ${TECHNICIAN_STATUSES.join(" or ")}`);
  }
  if (caller.role === "consumer" && change.status !== undefined && change.status !== "closed") {
    throw forbidden("a customer may only close the request");
  }
}

function notFound(id: string): AppError {
  return new AppError("SERVICE_REQUEST_NOT_FOUND", `no service request ${id}`, { status: 404, details: { id } });
}
