import type { Context } from "hono";
import type { BlobStore } from "../../../lib/blob/index.ts";
import type { Bus } from "../../../lib/bus/index.ts";
import type { Pool } from "../../../lib/db/index.ts";
import { AppError } from "../../../lib/errors/index.ts";
import { principalOf } from "../../../lib/http/index.ts";
import type { AppEnv, ValidInput } from "../../../lib/http/index.ts";
import type { RouteModule } from "../route-module.ts";
import { listCards, loadCard } from "./cards.ts";
import type { WarrantyCard } from "./cards.ts";
import { editProduct, notFound } from "./edit.ts";
import type { ProductEdit } from "./edit.ts";
import { registrationPrecheck, submitRegistration } from "./submit.ts";
import { readRegistrationForm } from "./upload.ts";

/** Registration streams the invoice to blobs and hands the form to the ingest worker over the bus. */
export interface ProductRouteDeps {
  readonly pool: Pool;
  readonly bus: Bus;
  readonly blob: BlobStore;
}

/** Longest `Prefer: wait=N` honoured, in seconds. */
export const MAX_WAIT_SECONDS = 10;
const POLL_MS = 100;

const REGISTER_DESCRIPTION = [
  "multipart/form-data with text fields `brand`, `modelNumber`, `serialNumber`, `purchaseDate` (YYYY-MM-DD)",
  "and a file `invoice` (PDF, JPEG or PNG by content, at most 10 MB, streamed to storage).",
  "Answers 202 `{id, status: \"pending\"}` with a Location; with `Prefer: wait=N` (N ≤ 10) it waits for the",
  "worker and answers 201 with the warranty card when it lands in time.",
  "Errors: 415 `INVOICE_TYPE_UNSUPPORTED` or `UNSUPPORTED_MEDIA_TYPE`, 413 `INVOICE_TOO_LARGE`, 422 `VALIDATION_FAILED`",
  "(missing fields), `PURCHASE_DATE_INVALID`, `PURCHASE_DATE_IN_FUTURE`, `UNKNOWN_BRAND`, `UNKNOWN_MODEL`,",
  "`SERIAL_FORMAT_MISMATCH`, 409 `SERIAL_ALREADY_REGISTERED`, 503 `REGISTRATION_UNAVAILABLE`.",
].join(" ");

/** `/api/v1/products`: registration with invoice upload, the warranty card, the owner's list, edits. */
export function productRoutes(deps: ProductRouteDeps): RouteModule {
  return (registry) => {
    registry.add({
      method: "post",
      path: "/api/v1/products",
      operationId: "registerProduct",
      summary: "Register a purchased product with its invoice",
      description: REGISTER_DESCRIPTION,
      tags: ["products"],
      roles: ["consumer"],
      request: {
        rawBody: {
          contentTypes: ["multipart/form-data"],
          description: "Fields brand, modelNumber, serialNumber, purchaseDate (YYYY-MM-DD) and the file invoice (PDF, JPEG or PNG, ≤ 10 MB).",
        },
      },
      responses: {
        201: { description: "Registered in time for `Prefer: wait`", schema: "products/card.json" },
        202: { description: "Accepted; the card is pending", schema: "products/accepted.json" },
      },
      handler: (c) => register(deps, c),
    });
    registry.add<ValidInput<undefined, { limit: number }>>({
      method: "get",
      path: "/api/v1/products",
      operationId: "listProducts",
      summary: "The caller's own warranty cards, newest first",
      tags: ["products"],
      roles: ["consumer", "super_admin", "operator", "brand_admin", "technician"],
      request: { query: "products/list-query.json" },
      responses: { 200: { description: "The caller's cards", schema: "products/list.json" } },
      handler: async (c, input) => c.json({ items: await listCards(deps.pool, deps.blob, principalOf(c).subject, input.query.limit) }),
    });
    registry.add<ValidInput<undefined, Record<string, unknown>, { id: string }>>({
      method: "get",
      path: "/api/v1/products/:id",
      operationId: "getProduct",
      summary: "The warranty card of one product",
      description: "The owner's own, or any for super admins and operators; others get 404.",
      tags: ["products"],
      roles: ["consumer", "super_admin", "operator"],
      request: { params: "products/params.json" },
      responses: { 200: { description: "The warranty card", schema: "products/card.json" }, 404: { description: "No such product" } },
      handler: async (c, input) => c.json(await visibleCard(deps, c, input.params.id)),
    });
    registry.add<ValidInput<ProductEdit, Record<string, unknown>, { id: string }>>({
      method: "patch",
      path: "/api/v1/products/:id",
      operationId: "editProduct",
      summary: "Correct a product's brand, model, serial or purchase date",
      description: "Allowed until the product's first service request (then 409 `PRODUCT_LOCKED`); checked like a registration; the invoice is read again.",
      tags: ["products"],
      roles: ["consumer", "super_admin"],
      request: { params: "products/params.json", body: "products/edit.json" },
      responses: {
        200: { description: "The edited card", schema: "products/card.json" },
        404: { description: "No such product" },
        409: { description: "`PRODUCT_LOCKED` or `SERIAL_ALREADY_REGISTERED`" },
      },
      handler: async (c, input) => {
        await editProduct(deps.pool, principalOf(c), input.params.id, input.body, c.get("correlationId"));
        return c.json(await visibleCard(deps, c, input.params.id));
      },
    });
  };
}

async function register(deps: ProductRouteDeps, c: Context<AppEnv>): Promise<Response> {
  const owner = principalOf(c).subject;
  const form = await readRegistrationForm(deps.blob, c.req.raw, owner, registrationPrecheck(deps));
  await submitRegistration(deps, form, owner, c.get("correlationId"));
  const location = `/api/v1/products/${form.id}`;
  c.header("location", location);
  const wait = preferredWait(c.req.header("prefer"));
  if (wait > 0) {
    c.header("preference-applied", `wait=${wait}`);
    const card = await waitForCard(deps, form.id, wait);
    if (card?.status === "rejected") throw rejected(card);
    if (card !== undefined && card.status !== "pending") return c.json(card, 201);
  }
  return c.json({ id: form.id, status: "pending" as const }, 202);
}

/** Seconds asked for by `Prefer: wait=N`, capped at {@link MAX_WAIT_SECONDS}; 0 when absent. */
export function preferredWait(prefer: string | undefined): number {
  const match = /(?:^|[,;\s])wait\s*=\s*"?(\d{1,6})"?/i.exec(prefer ?? "");
  return match ? Math.min(Number(match[1]), MAX_WAIT_SECONDS) : 0;
}

async function waitForCard(deps: ProductRouteDeps, id: string, seconds: number): Promise<WarrantyCard | undefined> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const found = await loadCard(deps.pool, deps.blob, id);
    if (found && found.card.status !== "pending") return found.card;
    if (Date.now() + POLL_MS > deadline) return found?.card;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** A rejection the client waited for, answered like the check at the door would have. */
function rejected(card: WarrantyCard): AppError {
  const code = card.rejection?.code ?? "REGISTRATION_REJECTED";
  return new AppError(code, card.rejection?.reason ?? "the registration was rejected", {
    status: code === "SERIAL_ALREADY_REGISTERED" ? 409 : 422,
    details: { id: card.id },
  });
}

async function visibleCard(deps: ProductRouteDeps, c: Context<AppEnv>, id: string): Promise<WarrantyCard> {
  const caller = principalOf(c);
  const found = await loadCard(deps.pool, deps.blob, id);
  if (found === undefined || (caller.role === "consumer" && found.ownerId !== caller.subject)) throw notFound(id);
  return found.card;
}
