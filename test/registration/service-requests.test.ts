import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEXT_INVOICES, textPdf } from "../support/invoices.ts";
import { registrationForm, startStack } from "./stack.ts";
import type { Stack } from "./stack.ts";

type Json = Record<string, unknown>;

describe("product edits and service requests", () => {
  let stack: Stack;
  let pdf: Uint8Array;
  beforeAll(async () => {
    stack = await startStack("postgres");
    await stack.startWorkers({ ocr: false });
    pdf = await textPdf(TEXT_INVOICES[0]!);
  });
  afterAll(() => stack?.stop());

  type Role = "consumer" | "super_admin" | "operator" | "technician";
  async function call(method: string, path: string, who: [string, Role], body?: Json) {
    const res = await stack.app.request(path, {
      method: method.toUpperCase(),
      headers: { ...(await stack.auth(...who)), ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Json & { error?: { code: string } } };
  }

  async function registered(owner: string, serialNumber: string): Promise<string> {
    const res = await stack.app.request("/api/v1/products", {
      method: "POST",
      headers: { ...(await stack.auth(owner, "consumer")), prefer: "wait=10" },
      body: registrationForm({ brand: "Acme", modelNumber: "WM-1200", serialNumber, purchaseDate: "2024-03-05" }, { bytes: pdf }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  it("edits a product with the same checks as a registration, and asks for a new OCR reading", async () => {
    const id = await registered("paula", "EDT001");
    const outbox = async () =>
      (await stack.pool.query<{ n: number }>("select count(*)::int as n from outbox where queue = 'ocr' and body::jsonb #>> '{payload,productId}' = $1", [id])).rows[0]?.n;
    expect(await outbox()).toBe(1);
    const edited = await call("patch", `/api/v1/products/${id}`, ["paula", "consumer"], { serialNumber: "EDT002", purchaseDate: "2023-01-31" });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ serialNumber: "EDT002", purchaseDate: "2023-01-31", warrantyExpiresOn: "2028-01-31", ocr: { status: "pending" } });
    expect(await outbox()).toBe(2);

    const bad = await call("patch", `/api/v1/products/${id}`, ["paula", "consumer"], { serialNumber: "1234" });
    expect(bad.status).toBe(422);
    expect(bad.body.error?.code).toBe("SERIAL_FORMAT_MISMATCH");
    const future = await call("patch", `/api/v1/products/${id}`, ["paula", "consumer"], { purchaseDate: "2999-12-31" });
    expect(future.body.error?.code).toBe("PURCHASE_DATE_IN_FUTURE");
    const other = await registered("paula", "EDT003");
    const taken = await call("patch", `/api/v1/products/${other}`, ["paula", "consumer"], { serialNumber: "edt002" });
    expect(taken.status).toBe(409);
    expect(taken.body.error?.code).toBe("SERIAL_ALREADY_REGISTERED");
    expect((await call("patch", `/api/v1/products/${id}`, ["mallory", "consumer"], { serialNumber: "EDT004" })).status).toBe(404);
    expect((await call("patch", `/api/v1/products/${id}`, ["paula", "consumer"], {})).status).toBe(422);
  });

  it("locks the product once its first service request exists", async () => {
    const id = await registered("quinn", "LCK001");
    const request = await call("post", "/api/v1/service-requests", ["quinn", "consumer"], { productId: id, description: "Drum does not spin" });
    expect(request.status).toBe(201);
    const locked = await call("patch", `/api/v1/products/${id}`, ["quinn", "consumer"], { serialNumber: "LCK002" });
    expect(locked.status).toBe(409);
    expect(locked.body.error?.code).toBe("PRODUCT_LOCKED");
    const byAdmin = await call("patch", `/api/v1/products/${id}`, ["root", "super_admin"], { serialNumber: "LCK002" });
    expect(byAdmin.body.error?.code).toBe("PRODUCT_LOCKED");
  });

  it("lets consumers open requests on their own products only", async () => {
    const id = await registered("rita", "SRQ001");
    const foreign = await call("post", "/api/v1/service-requests", ["sam", "consumer"], { productId: id, description: "mine now" });
    expect(foreign.status).toBe(404);
    const asOperator = await call("post", "/api/v1/service-requests", ["op", "operator"], { productId: id, description: "x" });
    expect(asOperator.status).toBe(403);
    const missing = await call("post", "/api/v1/service-requests", ["rita", "consumer"], { productId: id });
    expect(missing.status).toBe(422);
  });

  it("shows a request to its customer, its technician and staff; assignment and status follow the roles", async () => {
    const id = await registered("tess", "SRQ002");
    const created = await call("post", "/api/v1/service-requests", ["tess", "consumer"], { productId: id, description: "Leaks water" });
    expect(created.body).toMatchObject({ productId: id, customerId: "tess", technicianId: null, status: "open", closedAt: null });
    const path = `/api/v1/service-requests/${created.body.id as string}`;

    expect((await call("get", path, ["tess", "consumer"])).status).toBe(200);
    expect((await call("get", path, ["ursula", "consumer"])).status).toBe(404);
    expect((await call("get", path, ["tech-1", "technician"])).status).toBe(404);
    expect((await call("get", path, ["op", "operator"])).status).toBe(200);
    expect((await call("get", path, ["root", "super_admin"])).status).toBe(200);

    expect((await call("patch", path, ["tess", "consumer"], { technicianId: "tech-1" })).status).toBe(403);
    const assigned = await call("patch", path, ["op", "operator"], { technicianId: "tech-1" });
    expect(assigned.body).toMatchObject({ technicianId: "tech-1", status: "assigned" });
    expect((await call("get", path, ["tech-1", "technician"])).status).toBe(200);
    expect((await call("get", path, ["tech-2", "technician"])).status).toBe(404);

    const working = await call("patch", path, ["tech-1", "technician"], { status: "in_progress" });
    expect(working.body.status).toBe("in_progress");
    expect((await call("patch", path, ["tech-1", "technician"], { status: "closed" })).status).toBe(403);
    expect((await call("patch", path, ["tech-1", "technician"], { technicianId: "tech-2" })).status).toBe(403);
    expect((await call("patch", path, ["tess", "consumer"], { status: "resolved" })).status).toBe(403);

    const closed = await call("patch", path, ["tess", "consumer"], { status: "closed" });
    expect(closed.body.status).toBe("closed");
    expect(typeof closed.body.closedAt).toBe("string");
    const after = await call("patch", path, ["op", "operator"], { status: "open" });
    expect(after.status).toBe(409);
    expect(after.body.error?.code).toBe("SERVICE_REQUEST_CLOSED");
  });

  it("refuses an assigned status without a technician", async () => {
    const id = await registered("vic", "SRQ003");
    const created = await call("post", "/api/v1/service-requests", ["vic", "consumer"], { productId: id, description: "Noisy" });
    const res = await call("patch", `/api/v1/service-requests/${created.body.id as string}`, ["op", "operator"], { status: "assigned" });
    expect(res.status).toBe(422);
    expect(res.body.error?.code).toBe("TECHNICIAN_REQUIRED");
  });
});
