import { randomUUID } from "node:crypto";
import type { Pool, PoolClient } from "../db/index.ts";
import { AppError } from "../errors/index.ts";

/**
 * The one owner of `service_requests`: the row type, the status union and every statement that
 * writes the table. The API's flows call it; chat-relay reads participants in its own joins.
 */
export const SERVICE_REQUEST_STATUS = {
  open: "open",
  assigned: "assigned",
  inProgress: "in_progress",
  resolved: "resolved",
  closed: "closed",
} as const;

/** The `status` column; `closed` is final. */
export type ServiceRequestStatus = (typeof SERVICE_REQUEST_STATUS)[keyof typeof SERVICE_REQUEST_STATUS];

/** One `service_requests` row, as every reader (and the API body) sees it. */
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

/** The stable codes of the owner's errors, so callers and clients match on them, not on text. */
export const SERVICE_REQUEST_ERRORS = {
  notFound: "SERVICE_REQUEST_NOT_FOUND",
  closed: "SERVICE_REQUEST_CLOSED",
} as const;

const COLUMNS = `id, product_id as "productId", customer_id as "customerId", technician_id as "technicianId", status, description,
  to_json(created_at) #>> '{}' as "createdAt", to_json(updated_at) #>> '{}' as "updatedAt", to_json(closed_at) #>> '{}' as "closedAt"`;

/** Opens a request; the caller has already checked (and locked) the product. */
export async function insertServiceRequest(
  client: PoolClient,
  request: { readonly productId: string; readonly customerId: string; readonly description: string },
): Promise<ServiceRequest> {
  const inserted = await client.query<ServiceRequest>(
    `insert into service_requests (id, product_id, customer_id, description) values ($1, $2, $3, $4) returning ${COLUMNS}`,
    [randomUUID(), request.productId, request.customerId, request.description],
  );
  return inserted.rows[0] as ServiceRequest;
}

/** One request; `lock` takes its row lock for an update in the same transaction. */
export async function readServiceRequest(db: Pool | PoolClient, id: string, lock = false): Promise<ServiceRequest | undefined> {
  const { rows } = await db.query<ServiceRequest>(`select ${COLUMNS} from service_requests where id = $1${lock ? " for update" : ""}`, [id]);
  return rows[0];
}

/** Writes a transition already decided by the caller; closing stamps `closed_at`. */
export async function updateServiceRequest(
  client: PoolClient,
  id: string,
  next: { readonly technicianId: string | null; readonly status: ServiceRequestStatus },
): Promise<ServiceRequest> {
  const { rows } = await client.query<ServiceRequest>(
    `update service_requests
        set technician_id = $2, status = $3, updated_at = now(),
            closed_at = case when $3 = 'closed' then now() else null end
      where id = $1 returning ${COLUMNS}`,
    [id, next.technicianId, next.status],
  );
  return rows[0] as ServiceRequest;
}

/** The 404 for a request the caller may not see, whether or not it exists. */
export function serviceRequestNotFound(id: string): AppError {
  return new AppError(SERVICE_REQUEST_ERRORS.notFound, `no service request ${id}`, { status: 404, details: { id } });
}
