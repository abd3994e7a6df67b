import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEXT_INVOICES, textPdf } from "../support/invoices.ts";
import { waitFor } from "../support/wait.ts";
import { registrationForm, startStack } from "./stack.ts";
import type { Stack } from "./stack.ts";

describe("registration worker: a database failure after acceptance is retried, never lost", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack("postgres");
    await stack.startWorkers({ ocr: false });
  });
  afterAll(() => stack?.stop());

  it("keeps the card pending while inserts fail, then stores the product once the database recovers", async () => {
    // A real failure inside PostgreSQL for every product insert, until the trigger is dropped.
    await stack.pool.query(`
      create function refuse_products() returns trigger language plpgsql as $$
        begin raise exception 'simulated outage'; end $$;
      create trigger refuse_products before insert on products for each row execute function refuse_products();`);
    const headers = await stack.auth("wendy", "consumer");
    const res = await stack.app.request("/api/v1/products", {
      method: "POST",
      headers,
      body: registrationForm(
        { brand: "Acme", modelNumber: "WM-1200", serialNumber: "RTY001", purchaseDate: "2024-03-05" },
        { bytes: await textPdf(TEXT_INVOICES[0]!) },
      ),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    // The postgres transport keeps the message as a row whose attempt number grows with each retry.
    const attempts = async () =>
      (
        await stack.pool.query<{ attempt: number; last_error: string | null }>(
          "select attempt, last_error from bus_messages where body::jsonb #>> '{payload,registrationId}' = $1",
          [id],
        )
      ).rows[0];
    const failing = await waitFor(async () => {
      const row = await attempts();
      return row !== undefined && row.attempt >= 3 ? row : undefined;
    }, { what: "three failed attempts" });
    expect(failing.last_error).toContain("simulated outage");
    const during = await stack.app.request(`/api/v1/products/${id}`, { headers });
    expect(await during.json()).toMatchObject({ id, status: "pending" });

    await stack.pool.query("drop trigger refuse_products on products; drop function refuse_products();");
    const card = await waitFor(async () => {
      const body = (await (await stack.app.request(`/api/v1/products/${id}`, { headers })).json()) as { status: string };
      return body.status === "active" ? body : undefined;
    });
    expect(card).toMatchObject({ serialNumber: "RTY001", warrantyExpiresOn: "2029-03-05" });
    expect(await stack.bus.deadLetters.list("registration")).toEqual([]);
  });
});
