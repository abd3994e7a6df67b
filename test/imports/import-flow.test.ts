import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImportErrorView } from "../../lib/imports/index.ts";
import { createHarness, csv } from "./support/harness.ts";
import type { Harness, TransportKind } from "./support/harness.ts";

const kinds: TransportKind[] = ["postgres", "amqp"];

async function models(h: Harness): Promise<Array<{ brand: string; model_number: string; model_name: string; warranty_months: number }>> {
  const { rows } = await h.db.pool.query<{ brand: string; model_number: string; model_name: string; warranty_months: number }>(
    `select b.name as brand, m.model_number, m.model_name, m.warranty_months
     from product_models m join brands b on b.id = m.brand_id order by b.name, m.model_number`,
  );
  return rows;
}

async function allErrors(h: Harness, id: string, token: string): Promise<ImportErrorView[]> {
  const items: ImportErrorView[] = [];
  let cursor: string | undefined;
  for (;;) {
    const response = await h.app.request(`/api/v1/imports/${id}/errors?limit=2${cursor ? `&cursor=${cursor}` : ""}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { items: ImportErrorView[]; nextCursor?: string };
    items.push(...page.items);
    if (page.nextCursor === undefined) return items;
    cursor = page.nextCursor;
  }
}

describe.each(kinds)("product-model import end to end (%s transport)", (kind) => {
  let h: Harness;
  let admin: string;

  beforeAll(async () => {
    h = await createHarness(kind);
    await h.startWorkers();
    admin = await h.token("super_admin");
    await h.brand("Acme", "SN-#{4}");
    await h.brand("Globex");
  });
  afterAll(async () => h?.stop());

  it("a dry run reports what a commit would do and changes nothing; the commit then does exactly that", async () => {
    await h.db.pool.query(
      `insert into product_models (brand_id, model_number, model_name, category, warranty_months)
       select id, 'EXIST-1', 'Old name', 'tools', 6 from brands where name = 'Acme'`,
    );
    const file = csv([
      "acme,EXIST-1,New name,tools,12,2020-01-01,",
      'ACME,NEW-1,"Washer, ""deluxe""\nsecond line",appliances,24,,SN-#{6}',
      "Globex,G/1.0_a,Globex One,phones,36,,",
      "Globex,G-2,Globex Two,phones,120,2024-02-29,@@#",
    ]);
    const dry = await h.run(file, { dryRun: true, token: admin });
    expect(dry).toMatchObject({
      status: "succeeded",
      dryRun: true,
      counts: { total: 4, valid: 4, invalid: 0, inserted: 3, updated: 1 },
    });
    expect(dry.progress.chunksDone).toBe(dry.progress.chunksTotal);
    expect(dry.progress.chunksTotal).toBeGreaterThan(1);
    expect(await models(h)).toEqual([{ brand: "Acme", model_number: "EXIST-1", model_name: "Old name", warranty_months: 6 }]);

    const commit = await h.run(file, { dryRun: false, token: admin });
    expect(commit).toMatchObject({ status: "succeeded", dryRun: false, counts: { total: 4, valid: 4, invalid: 0, inserted: 3, updated: 1 } });
    expect(await models(h)).toEqual([
      { brand: "Acme", model_number: "EXIST-1", model_name: "New name", warranty_months: 12 },
      { brand: "Acme", model_number: "NEW-1", model_name: 'Washer, "deluxe"\nsecond line', warranty_months: 24 },
      { brand: "Globex", model_number: "G-2", model_name: "Globex Two", warranty_months: 120 },
      { brand: "Globex", model_number: "G/1.0_a", model_name: "Globex One", warranty_months: 36 },
    ]);
  });

  it("reports every bad row with row, line, column, value and code, and commits nothing by default", async () => {
    const before = await models(h);
    const future = `${new Date().getUTCFullYear() + 1}-01-01`;
    const file = csv([
      "Acme,OK-1,Fine,tools,12,,",
      "Nobody,X-1,Unknown brand,tools,12,,",
      "Acme,bad number!,Bad,tools,12,,",
      "Acme,X-3,,tools,0,,",
      `Acme,X-4,Future,tools,12,${future},`,
      "Acme,X-5,Mask,tools,12,,(a+)+",
      "Acme,X-6,Ragged,tools",
      "Acme,OK-1,Repeat,tools,12,,",
      'Acme,X-7,"Quoted ""badly"" x"y,tools,12,,',
    ]);
    const job = await h.run(file, { dryRun: false, token: admin });
    expect(job.status).toBe("failed");
    expect(job.error?.code).toBe("IMPORT_TOO_MANY_INVALID");
    expect(job.counts).toEqual({ total: 9, valid: 1, invalid: 8, inserted: 0, updated: 0 });
    expect(await models(h)).toEqual(before);
    const errors = await allErrors(h, job.id, admin);
    const brief = errors.map((e) => [e.row, e.line, e.column, e.code]);
    expect(brief).toEqual([
      [2, 3, "brand", "BRAND_UNKNOWN"],
      [3, 4, "model_number", "VALUE_FORMAT"],
      [4, 5, "model_name", "VALUE_REQUIRED"],
      [4, 5, "warranty_months", "VALUE_RANGE"],
      [5, 6, "release_date", "DATE_IN_FUTURE"],
      [6, 7, "serial_format", "SERIAL_FORMAT_INVALID"],
      [7, 8, null, "RAGGED_ROW"],
      [8, 9, "model_number", "DUPLICATE_IN_FILE"],
      [9, 10, null, "CSV_MALFORMED"],
    ]);
    expect(errors.find((e) => e.code === "BRAND_UNKNOWN")?.value).toBe("Nobody");
    expect(errors.find((e) => e.code === "DUPLICATE_IN_FILE")?.message).toMatch(/row 1\b/);
  });

  it("commits the valid rows when the invalid share is within maxInvalidPercent", async () => {
    const file = csv(["Globex,P-1,One,tools,12,,", "Globex,P-2,Two,tools,12,,", "Globex,P-3,Three,tools,999,,"]);
    const refused = await h.run(file, { dryRun: false, token: admin, maxInvalidPercent: 33 });
    expect(refused).toMatchObject({ status: "failed", counts: { invalid: 1, inserted: 0 } });
    const job = await h.run(file, { dryRun: false, token: admin, maxInvalidPercent: 34 });
    expect(job).toMatchObject({ status: "succeeded", counts: { total: 3, valid: 2, invalid: 1, inserted: 2, updated: 0 } });
  });

  it("hands back the failed rows as uploaded, with an error column and formulas defused", async () => {
    const file = csv(["Acme,F-1,Fine,tools,12,,", "=1+2,F-2,@SUM(A1),tools,12,,", 'Acme,F-3,"multi\nline",tools,500,,']);
    const job = await h.run(file, { dryRun: true, token: admin });
    const response = await h.app.request(`/api/v1/imports/${job.id}/errors.csv`, { headers: { authorization: `Bearer ${admin}` } });
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(await response.text()).toBe(
      "brand,model_number,model_name,category,warranty_months,release_date,serial_format,error\r\n" +
        "'=1+2,F-2,'@SUM(A1),tools,12,,,brand: no brand has this name\r\n" +
        'Acme,F-3,"multi\nline",tools,500,,,warranty_months: must be <= 120\r\n',
    );
  });

  it("gives a brand admin row errors for other brands' rows and hides their jobs from other admins", async () => {
    const own = await h.token("brand_admin", { subject: "acme-admin", brand: "acme" });
    const job = await h.run(csv(["Acme,B-1,Own,tools,12,,", "Globex,B-2,Other,tools,12,,"]), { dryRun: true, token: own });
    expect(job.counts).toMatchObject({ total: 2, valid: 1, invalid: 1 });
    const errors = await allErrors(h, job.id, own);
    expect(errors.map((e) => [e.row, e.code, e.value])).toEqual([[2, "BRAND_FORBIDDEN", "Globex"]]);
    const other = await h.token("brand_admin", { subject: "globex-admin", brand: "Globex" });
    const hidden = await h.app.request(`/api/v1/imports/${job.id}`, { headers: { authorization: `Bearer ${other}` } });
    expect(hidden.status).toBe(404);
    const consumer = await h.token("consumer");
    expect((await h.upload(csv(["Acme,C-1,x,y,1,,"]), { dryRun: true, token: consumer })).status).toBe(403);
  });

  it("accepts the file as the `file` part of a multipart form", async () => {
    const form = new FormData();
    form.append("note", "ignored");
    form.append("file", new Blob([csv(["Acme,M-1,Multi,tools,12,,", "Acme,M-2,Part,tools,12,,"])], { type: "text/csv" }), "models.csv");
    const response = await h.app.request("/api/v1/imports?dryRun=true", {
      method: "POST",
      headers: { authorization: `Bearer ${admin}` },
      body: form,
    });
    expect(response.status).toBe(202);
    expect(response.headers.get("location")).toMatch(/^\/api\/v1\/imports\/[0-9a-f-]{36}$/);
    const { id } = (await response.json()) as { id: string };
    expect(await h.waitEnded(id, admin)).toMatchObject({ status: "succeeded", counts: { total: 2, valid: 2, inserted: 2 } });
  });

  it("streams the job as server-sent events until it ends", async () => {
    const response = await h.upload(csv(["Acme,E-1,Events,tools,12,,"]), { dryRun: true, token: admin });
    const { id } = (await response.json()) as { id: string };
    const events = await h.app.request(`/api/v1/imports/${id}/events`, { headers: { authorization: `Bearer ${admin}` } });
    expect(events.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await events.text();
    const statuses = [...text.matchAll(/^data: (.*)$/gm)].map((m) => (JSON.parse(m[1] ?? "{}") as { status: string }).status);
    expect(statuses.at(-1)).toBe("succeeded");
    expect(text).toMatch(/^event: status$/m);
  });

  it("keeps two overlapping imports consistent", async () => {
    const a = csv(Array.from({ length: 30 }, (_, i) => `Globex,O-${i},From A,tools,12,,`));
    const b = csv(Array.from({ length: 30 }, (_, i) => `Globex,O-${i + 15},From B,tools,24,,`));
    const [ja, jb] = await Promise.all([h.run(a, { dryRun: false, token: admin }), h.run(b, { dryRun: false, token: admin })]);
    expect(ja.status).toBe("succeeded");
    expect(jb.status).toBe("succeeded");
    expect(ja.counts.inserted + ja.counts.updated).toBe(30);
    expect(jb.counts.inserted + jb.counts.updated).toBe(30);
    expect(ja.counts.inserted + jb.counts.inserted).toBe(45);
    const { rows } = await h.db.pool.query<{ n: number; a: number; b: number }>(
      `select count(*)::int as n, count(*) filter (where model_name = 'From A')::int as a,
              count(*) filter (where model_name = 'From B')::int as b
       from product_models where model_number like 'O-%'`,
    );
    expect(rows[0]?.n).toBe(45);
    // The overlap went to whichever merge ran last, and only ever as a whole.
    expect([rows[0]?.a, rows[0]?.b].sort()).toEqual([15, 30]);
  });
});
