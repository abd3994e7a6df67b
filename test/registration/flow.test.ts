import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvelope } from "../../lib/bus/index.ts";
import { IMAGE_INVOICE, TEXT_INVOICES, imageOf, textPdf } from "../support/invoices.ts";
import { waitFor } from "../support/wait.ts";
import { registrationForm, startStack } from "./stack.ts";
import type { FormFields, Stack, TransportKind } from "./stack.ts";

// eur-gmbh: invoice dated 2024-03-05, names WM-1200 and serial ABC123.
const EUR_INVOICE = TEXT_INVOICES[0]!;

type Card = Record<string, unknown> & { status: string; ocr?: { status: string; result: Record<string, unknown> | null } };

describe.each<TransportKind>(["postgres", "amqp"])("registration end to end over %s", (kind) => {
  let stack: Stack;
  let pdf: Uint8Array;
  beforeAll(async () => {
    stack = await startStack(kind);
    await stack.startWorkers();
    pdf = await textPdf(EUR_INVOICE);
  });
  afterAll(() => stack?.stop());

  async function register(subject: string, fields: FormFields, bytes = pdf, headers: Record<string, string> = {}) {
    return stack.app.request("/api/v1/products", {
      method: "POST",
      headers: { ...(await stack.auth(subject, "consumer")), ...headers },
      body: registrationForm(fields, { bytes }),
    });
  }

  async function card(id: string, subject = "alice", role: "consumer" | "operator" = "consumer") {
    const res = await stack.app.request(`/api/v1/products/${id}`, { headers: await stack.auth(subject, role) });
    return { status: res.status, body: (await res.json()) as Card };
  }

  async function settledOcr(id: string, subject = "alice"): Promise<Card> {
    return waitFor(
      async () => {
        const { body } = await card(id, subject);
        return body.ocr !== undefined && body.ocr.status !== "pending" ? body : undefined;
      },
      { timeoutMs: 45_000, what: "the OCR outcome" },
    );
  }

  it("registers, shows an active card with the computed expiry, and verifies the invoice", async () => {
    const res = await register("alice", { brand: "acme", modelNumber: "WM-1200", serialNumber: "ABC123", purchaseDate: "2024-03-05" });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { id: string; status: string };
    expect(accepted.status).toBe("pending");
    expect(res.headers.get("location")).toBe(`/api/v1/products/${accepted.id}`);

    const active = await waitFor(async () => {
      const { body } = await card(accepted.id);
      return body.status !== "pending" ? body : undefined;
    });
    expect(active).toMatchObject({
      id: accepted.id,
      status: "active",
      brand: "Acme",
      modelNumber: "WM-1200",
      modelName: "Washing machine 1200",
      serialNumber: "ABC123",
      purchaseDate: "2024-03-05",
      warrantyExpiresOn: "2029-03-05",
      invoice: { contentType: "application/pdf" },
    });
    expect(active.daysLeft).toBeGreaterThan(0);

    const invoiceUrl = (active.invoice as { url: string }).url;
    const download = await fetch(invoiceUrl);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(pdf))).toBe(true);

    const verified = await settledOcr(accepted.id);
    expect(verified.ocr?.status).toBe("verified");
    expect(verified.ocr?.result).toMatchObject({
      engine: "local",
      source: "pdf-text",
      fields: {
        vendorName: { value: "ACME Electronics GmbH" },
        invoiceId: { value: "INV-2024-0042" },
        invoiceDate: { value: "2024-03-05" },
        total: { value: 1557.71 },
        currency: { value: "EUR" },
      },
      verification: { status: "verified", invoiceDate: "2024-03-05", modelNumber: "found", serialNumber: "found" },
    });
  });

  it("records a mismatch when the invoice date is far from the purchase date", async () => {
    const res = await register("alice", { brand: "Acme", modelNumber: "WM-1200", serialNumber: "ABC124", purchaseDate: "2024-06-20" });
    const { id } = (await res.json()) as { id: string };
    const outcome = await settledOcr(id);
    expect(outcome.ocr?.status).toBe("mismatch");
    expect(outcome.ocr?.result).toMatchObject({
      verification: { status: "mismatch", differences: [{ field: "invoiceDate", entered: "2024-06-20", found: "2024-03-05" }] },
    });
  });

  it("answers 201 with the card when Prefer: wait lets the worker finish", async () => {
    const res = await register("bob", { brand: "Globex", modelNumber: "RF-550", serialNumber: "R-1", purchaseDate: "2024-01-31" }, pdf, {
      prefer: "wait=10",
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("preference-applied")).toBe("wait=10");
    // 31 January + 1 month is the last day of February (2024 is a leap year); long expired by now.
    expect(await res.json()).toMatchObject({ status: "expired", warrantyExpiresOn: "2024-02-29", daysLeft: 0 });
  });

  it("reads a PNG invoice with OCR", async () => {
    const png = await imageOf(IMAGE_INVOICE);
    const res = await register("carol", { brand: "Globex", modelNumber: "TV-65X", serialNumber: "GX123456", purchaseDate: "2024-04-12" }, png);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const outcome = await settledOcr(id, "carol");
    expect(outcome.invoice).toMatchObject({ contentType: "image/png" });
    expect(outcome.ocr?.result).toMatchObject({ source: "ocr", fields: { invoiceId: { value: "NW-88213" }, invoiceDate: { value: "2024-04-12" } } });
    expect(outcome.ocr?.status).toBe("verified");
  });

  it("rejects, with the reason on the card, a registration whose serial raced in before it", async () => {
    const first = await register("dave", { brand: "Acme", modelNumber: "WM-1200", serialNumber: "XYZ777", purchaseDate: "2024-03-05" }, pdf, {
      prefer: "wait=10",
    });
    expect(first.status).toBe(201);
    const { id } = (await first.json()) as { id: string };
    const { rows } = await stack.pool.query<{ invoice_blob: string }>("select invoice_blob from products where id = $1", [id]);
    const racer = "00000000-0000-4000-8000-000000000001";
    // What a second ingress would have published had it checked before the first product landed.
    await stack.pool.query(
      `insert into registrations (id, owner_id, brand, model_number, serial_number, purchase_date, invoice_blob, invoice_content_type)
       values ($1, 'erin', 'Acme', 'WM-1200', 'xyz777', '2024-03-06', $2, 'application/pdf')`,
      [racer, rows[0]?.invoice_blob],
    );
    const payload = {
      registrationId: racer,
      ownerId: "erin",
      brand: "Acme",
      modelNumber: "WM-1200",
      serialNumber: "xyz777",
      purchaseDate: "2024-03-06",
      invoice: { blob: rows[0]?.invoice_blob ?? "", contentType: "application/pdf", size: pdf.length, sha256: "0".repeat(64) },
    };
    await stack.bus.publish("registration", createEnvelope("registration.submitted", payload));
    const rejected = await waitFor(async () => {
      const { body } = await card(racer, "erin");
      return body.status === "rejected" ? body : undefined;
    });
    expect(rejected.rejection).toEqual({ code: "SERIAL_ALREADY_REGISTERED", reason: "Acme serial xyz777 is already registered" });
  });

  it("shows cards to their owner and to operators only, and lists the caller's own", async () => {
    const res = await register("frank", { brand: "Acme", modelNumber: "WM-1200", serialNumber: "FRA001", purchaseDate: "2024-03-05" });
    const { id } = (await res.json()) as { id: string };
    expect((await card(id, "frank")).status).toBe(200);
    expect((await card(id, "mallory")).status).toBe(404);
    expect((await card(id, "op", "operator")).status).toBe(200);
    const list = await stack.app.request("/api/v1/products", { headers: await stack.auth("frank", "consumer") });
    const items = ((await list.json()) as { items: Card[] }).items;
    expect(items.map((i) => i.id)).toEqual([id]);
    const none = await stack.app.request("/api/v1/products", { headers: await stack.auth("nobody", "consumer") });
    expect(await none.json()).toEqual({ items: [] });
  });
});
