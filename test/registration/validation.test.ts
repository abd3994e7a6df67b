import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INVOICE_CONTAINER } from "../../lib/warranty/index.ts";
import { MAX_INVOICE_BYTES } from "../../services/api/registration/upload.ts";
import { IMAGE_INVOICE, TEXT_INVOICES, imageOf, textPdf } from "../support/invoices.ts";
import { registrationForm, startStack } from "./stack.ts";
import type { FormFields, Stack } from "./stack.ts";

const VALID: FormFields = { brand: "Acme", modelNumber: "WM-1200", serialNumber: "VAL001", purchaseDate: "2024-03-05" };

interface ErrorBody {
  error: { code: string; message: string; details?: { problems?: { field: string; message: string }[]; field?: string } };
}

describe("registration refusals: a clear error, and nothing half-written", () => {
  let stack: Stack;
  let pdf: Uint8Array;
  beforeAll(async () => {
    stack = await startStack("postgres");
    await stack.startWorkers({ ocr: false });
    pdf = await textPdf(TEXT_INVOICES[0]!);
  });
  afterAll(() => stack?.stop());

  async function post(body: FormData | string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}, subject = "vera") {
    const init: RequestInit & { duplex?: "half" } = {
      method: "POST",
      headers: { ...(await stack.auth(subject, "consumer")), ...headers },
      body,
      ...(body instanceof ReadableStream ? { duplex: "half" as const } : {}),
    };
    const res = await stack.app.request("/api/v1/products", init);
    return { status: res.status, body: (await res.json()) as ErrorBody & { id?: string } };
  }

  /** Registrations recorded and invoice blobs stored for `subject`. */
  async function leftovers(subject = "vera") {
    const { rows } = await stack.pool.query<{ n: number }>("select count(*)::int as n from registrations where owner_id = $1", [subject]);
    const blobs: string[] = [];
    for await (const entry of stack.blob.list(INVOICE_CONTAINER, `${subject}/`)) blobs.push(entry.name);
    return { registrations: rows[0]?.n, blobs: blobs.length };
  }

  async function refused(fields: FormFields, invoice: Uint8Array | null = pdf) {
    const before = await leftovers();
    const result = await post(registrationForm(fields, invoice === null ? undefined : { bytes: invoice }));
    expect(await leftovers()).toEqual(before);
    return result;
  }

  it("names every missing field, the invoice included", async () => {
    const { status, body } = await refused({ modelNumber: "WM-1200", serialNumber: "VAL001" }, null);
    expect(status).toBe(422);
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.details?.problems?.map((p) => p.field)).toEqual(["/brand", "/purchaseDate", "/invoice"]);
  });

  it.each([
    ["a future purchase date", { purchaseDate: "2999-01-01" }, "PURCHASE_DATE_IN_FUTURE", "purchaseDate"],
    ["an impossible date", { purchaseDate: "2024-02-30" }, "PURCHASE_DATE_INVALID", "purchaseDate"],
    ["an unknown brand", { brand: "Initech" }, "UNKNOWN_BRAND", "brand"],
    ["an unknown model", { modelNumber: "WM-9999" }, "UNKNOWN_MODEL", "modelNumber"],
    ["a serial off the brand's format", { serialNumber: "12345" }, "SERIAL_FORMAT_MISMATCH", "serialNumber"],
    ["a serial off the model's format", { brand: "Globex", modelNumber: "TV-65X", serialNumber: "AB1234" }, "SERIAL_FORMAT_MISMATCH", "serialNumber"],
  ] as const)("refuses %s with 422", async (_what, change, code, field) => {
    const { status, body } = await refused({ ...VALID, ...change });
    expect(status).toBe(422);
    expect(body.error).toMatchObject({ code, details: { field } });
  });

  it("refuses the same brand and serial twice (any case) with 409", async () => {
    const first = await post(registrationForm({ ...VALID, serialNumber: "DUP001" }, { bytes: pdf }), { prefer: "wait=10" });
    expect(first.status).toBe(201);
    const { status, body } = await refused({ ...VALID, serialNumber: "dup001" });
    expect(status).toBe(409);
    expect(body.error.code).toBe("SERIAL_ALREADY_REGISTERED");
  });

  it("accepts any serial for a model and brand without a format", async () => {
    const { status } = await post(registrationForm({ brand: "globex", modelNumber: "rf-550", serialNumber: "anything 1" }, { bytes: pdf }));
    expect(status).toBe(422); // purchaseDate is missing
    const ok = await post(registrationForm({ brand: "globex", modelNumber: "rf-550", serialNumber: "anything 1", purchaseDate: "2024-03-05" }, { bytes: pdf }));
    expect(ok.status).toBe(202);
  });

  it("judges the invoice by its bytes, not its name or declared type", async () => {
    const before = await leftovers();
    const text = await post(registrationForm(VALID, { bytes: Buffer.from("%PDX not really a pdf at all"), name: "invoice.pdf", type: "application/pdf" }));
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe("INVOICE_TYPE_UNSUPPORTED");
    const empty = await post(registrationForm(VALID, { bytes: new Uint8Array(0), name: "invoice.png", type: "image/png" }));
    expect(empty.status).toBe(415);
    expect(await leftovers()).toEqual(before);

    const png = await imageOf(IMAGE_INVOICE, "jpeg");
    const disguised = await post(registrationForm({ ...VALID, serialNumber: "JPG001" }, { bytes: png, name: "scan.pdf", type: "application/pdf" }), {
      prefer: "wait=10",
    });
    expect(disguised.status).toBe(201);
    expect(disguised.body).toMatchObject({ invoice: { contentType: "image/jpeg" } });
  });

  it("refuses a body that is not multipart with 415", async () => {
    const { status, body } = await post(JSON.stringify(VALID), { "content-type": "application/json" });
    expect(status).toBe(415);
    expect(body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers 413 as soon as the invoice passes 10 MB, while the client is still sending", async () => {
    const boundary = "----wh-test-boundary";
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="invoice"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n`,
    );
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    let sent = 0;
    // Never closes: only a server that counts while streaming can answer.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head);
      },
      pull(controller) {
        if (sent > MAX_INVOICE_BYTES + 2 * chunk.length) return new Promise<void>(() => undefined);
        sent += chunk.length;
        controller.enqueue(chunk);
        return undefined;
      },
    });
    const before = await leftovers();
    const { status, body: error } = await post(body, { "content-type": `multipart/form-data; boundary=${boundary}` });
    expect(status).toBe(413);
    expect(error.error).toMatchObject({ code: "INVOICE_TOO_LARGE", details: { maxBytes: MAX_INVOICE_BYTES } });
    expect(await leftovers()).toEqual(before);
  });

  it("checks fields sent before the invoice without waiting for the upload", async () => {
    const boundary = "----wh-precheck";
    const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const head = Buffer.from(
      field("brand", "Initech") + field("modelNumber", "WM-1200") + field("serialNumber", "PRE001") + field("purchaseDate", "2024-03-05") +
        `--${boundary}\r\nContent-Disposition: form-data; name="invoice"; filename="a.pdf"\r\n\r\n%PDF-1.7\n`,
    );
    // The invoice never ends: the refusal must come before it is read.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head);
      },
      pull: () => new Promise<void>(() => undefined),
    });
    const { status, body: error } = await post(body, { "content-type": `multipart/form-data; boundary=${boundary}` });
    expect(status).toBe(422);
    expect(error.error.code).toBe("UNKNOWN_BRAND");
  });

  it("refuses a field sent twice", async () => {
    const form = registrationForm(VALID, { bytes: pdf });
    form.append("serialNumber", "VAL999");
    const { status, body } = await post(form);
    expect(status).toBe(422);
    expect(body.error.details?.problems).toEqual([{ location: "body", field: "/serialNumber", message: "appears twice" }]);
  });

  it("refuses unexpected form fields and broken multipart framing", async () => {
    const form = registrationForm(VALID, { bytes: pdf });
    form.append("price", "10");
    const extra = await post(form);
    expect(extra.status).toBe(422);
    expect(extra.body.error.details?.problems).toEqual([{ location: "body", field: "/price", message: "is not allowed" }]);
    const broken = await post(`--b\r\nContent-Disposition: form-data; name="brand"\r\n\r\nAcme`, { "content-type": "multipart/form-data; boundary=b" });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe("MULTIPART_INVALID");
  });

  it("documents the routes, the multipart upload included, in the OpenAPI document", async () => {
    const doc = (await (await stack.app.request("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { operationId: string; requestBody?: { content: Record<string, unknown> } }>>;
    };
    expect(doc.paths["/api/v1/products"]?.post?.requestBody?.content).toHaveProperty("multipart/form-data");
    expect(Object.values(doc.paths["/api/v1/products/{id}"] ?? {}).map((op) => op.operationId)).toEqual(["getProduct", "editProduct"]);
    expect(doc.paths["/api/v1/service-requests/{id}"]?.patch?.operationId).toBe("updateServiceRequest");
  });

  it("lets only consumers register", async () => {
    const res = await stack.app.request("/api/v1/products", {
      method: "POST",
      headers: await stack.auth("op", "operator"),
      body: registrationForm(VALID, { bytes: pdf }),
    });
    expect(res.status).toBe(403);
  });
});
