import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAudit } from "../../lib/audit/index.ts";
import { isAppError } from "../../lib/errors/index.ts";
import { DATA_TRANSFORMATION_FLAG, createFlagEvaluator, createFlagStore } from "../../lib/flags/index.ts";
import {
  applyTransformation,
  createRowTransformer,
  planTransformation,
  transformCsvRecords,
  createScript,
  definitionProblems,
  listVersions,
  updateScript,
} from "../../lib/transformations/index.ts";
import type { TransformationDefinition } from "../../lib/transformations/index.ts";
import { transformationRoutes } from "../../services/api/admin/transformations.ts";
import { testApp } from "../support/api-app.ts";
import { SAMPLE_SCRIPT } from "./support.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";


describe("applyTransformation", () => {
  const headers = ["Marque", " model no. ", "Name", "Type", "Warranty (years)", "Released", "serial_format"];

  it("renames headers, trims, changes case, maps values, converts units and dates; other columns pass through", () => {
    const row = [" Acme ", " ac-100 ", " Washer ", "Lave-linge", "2", "31/01/2024", "SN-#{6}"];
    expect(applyTransformation(SAMPLE_SCRIPT, headers, row)).toEqual({
      headers: ["brand", "model_number", "model_name", "category", "warranty_months", "release_date", "serial_format"],
      row: ["Acme", "AC-100", "Washer", "appliances", "24", "2024-01-31", "SN-#{6}"],
    });
    expect(applyTransformation(SAMPLE_SCRIPT, headers, ["A", "b", "c", "TV", "1.5", "1/2/2024", ""]).row).toEqual(["A", "B", "c", "tv", "18", "1/2/2024", ""]);
  });

  it("passes values that do not fit their conversion on unchanged, for validation to report", () => {
    const row = ["Acme", "x", "y", "z", "two", "31/02/2024", ""];
    expect(applyTransformation(SAMPLE_SCRIPT, headers, row).row.slice(4, 6)).toEqual(["two", "31/02/2024"]);
    const months = { columns: [{ from: "m", to: "years", convert: { kind: "unit", from: "months", to: "years" } }] } as const;
    expect(applyTransformation(months, ["m"], ["18"]).row).toEqual(["1.5"]);
    const flexible = { columns: [{ from: "d", convert: { kind: "date", format: "M/D/YYYY" } }] } as const;
    expect(applyTransformation(flexible, ["d"], ["2/29/2024"]).row).toEqual(["2024-02-29"]);
    expect(applyTransformation(flexible, ["d"], ["2/29/2023"]).row).toEqual(["2/29/2023"]);
  });

  it("leaves canonical files alone and refuses a file where two columns end up under one header", () => {
    const canonical = ["brand", "model_number", "model_name", "category", "warranty_months"];
    const row = ["Acme", "AC-1", "Washer", "appliances", "24"];
    expect(applyTransformation(SAMPLE_SCRIPT, canonical, row)).toEqual({ headers: canonical, row });
    const clash = (() => {
      try {
        return applyTransformation(SAMPLE_SCRIPT, ["Model No.", "model_number"], ["a", "b"]);
      } catch (error) {
        return error;
      }
    })();
    expect(isAppError(clash, "TRANSFORMATION_HEADER_CONFLICT")).toBe(true);
  });

  it("finds what the schema cannot: repeated columns and targets, and date formats without each field", () => {
    expect(
      definitionProblems({
        columns: [
          { from: "A", to: "x" },
          { from: "a", to: "y" },
          { from: "B", to: "X" },
          { from: "C", convert: { kind: "date", format: "DD/MM" } },
        ],
      }).map((p) => p.field),
    ).toEqual(["/columns/1/from", "/columns/2/to", "/columns/3/convert/format"]);
    expect(definitionProblems(SAMPLE_SCRIPT)).toEqual([]);
  });
});

describe("transformCsvRecords", () => {
  it("rewrites each record of a chunk and keeps blank lines, quoted newlines and malformed records in place", () => {
    const plan = planTransformation(SAMPLE_SCRIPT, ["Model No.", "Warranty (years)", "Name"]);
    const chunk = Buffer.from('ac-1,2,"Washer\nDeluxe"\r\n\r\nac-2,1,"Dryer, big"\r\nac-3,"broken\r\n', "utf8");
    expect(transformCsvRecords(plan, chunk, 5).toString("utf8")).toBe(
      'AC-1,24,"Washer\nDeluxe"\r\n\r\nAC-2,12,"Dryer, big"\r\nac-3,"broken\r\n',
    );
  });
});

describe("transformation scripts: storage, versions and the API", () => {
  let db: TestDatabase;
  let acme: number;
  beforeAll(async () => {
    db = await createTestDatabase();
    const { rows } = await db.pool.query<{ id: string }>("insert into brands (name) values ('Acme'), ('Globex') returning id");
    acme = Number(rows[0]?.id);
  });
  afterAll(async () => {
    await db.drop();
  });

  it("keeps every change as a new version with its author, and audits it", async () => {
    const created = await createScript(db.pool, { brandId: acme, name: "store-v", definition: SAMPLE_SCRIPT, actor: "kim" });
    expect(created).toMatchObject({ brand: "Acme", name: "store-v", version: 1, updatedBy: "kim", isDefault: true });
    const second: TransformationDefinition = { columns: [{ from: "Model", to: "model_number" }] };
    const updated = await updateScript(db.pool, created.id, { definition: second, actor: "lee" });
    expect(updated).toMatchObject({ id: created.id, version: 2, definition: second, updatedBy: "lee", createdAt: created.createdAt });
    const versions = await listVersions(db.pool, created.id);
    expect(versions.map((v) => [v.version, v.createdBy, v.definition])).toEqual([
      [1, "kim", SAMPLE_SCRIPT],
      [2, "lee", second],
    ]);
    const audit = (await readAudit(db.pool, "transformation.")).filter((a) => a.target === `transformation:${created.id}`);
    expect(audit.map((a) => [a.actor, a.details.version])).toEqual([
      ["kim", 1],
      ["lee", 2],
    ]);
    const bad = await updateScript(db.pool, created.id, { definition: { columns: [{ from: "a" }, { from: "A" }] }, actor: "x" }).catch((e: unknown) => e);
    expect(isAppError(bad, "TRANSFORMATION_INVALID")).toBe(true);
    expect(await listVersions(db.pool, created.id)).toHaveLength(2);
  });

  it("serves /api/v1/transformations to super admins and to a brand admin for their own brand only", async () => {
    const { app, sign } = await testApp({ routes: [transformationRoutes({ pool: db.pool })] });
    const auth = async (role: "super_admin" | "brand_admin" | "consumer", brand?: string) => ({
      authorization: `Bearer ${await sign({ subject: `${role}-1`, role, ...(brand ? { brand } : {}) })}`,
      "content-type": "application/json",
    });
    const admin = await auth("brand_admin", "globex");
    const created = await app.request("/api/v1/transformations", {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ brand: "Globex", name: "from-erp", definition: SAMPLE_SCRIPT }),
    });
    expect(created.status).toBe(201);
    const script = (await created.json()) as { id: number; version: number; brand: string; isDefault: boolean };
    expect(script).toMatchObject({ version: 1, brand: "Globex", isDefault: true });
    expect(created.headers.get("location")).toBe(`/api/v1/transformations/${script.id}`);

    const next = { columns: [{ from: "Released", to: "release_date", convert: { kind: "date", format: "YYYY.MM.DD" } }] };
    const put = await app.request(`/api/v1/transformations/${script.id}`, { method: "PUT", headers: admin, body: JSON.stringify({ definition: next }) });
    expect(await put.json()).toMatchObject({ version: 2, definition: next, updatedBy: "brand_admin-1" });
    const history = (await (await app.request(`/api/v1/transformations/${script.id}/versions`, { headers: admin })).json()) as {
      versions: { version: number }[];
    };
    expect(history.versions.map((v) => v.version)).toEqual([1, 2]);
    const mine = (await (await app.request("/api/v1/transformations", { headers: admin })).json()) as { scripts: { brand: string }[] };
    expect(mine.scripts.map((s) => s.brand)).toEqual(["Globex"]);
    const all = (await (await app.request("/api/v1/transformations", { headers: await auth("super_admin") })).json()) as { scripts: unknown[] };
    expect(all.scripts.length).toBeGreaterThanOrEqual(2);

    const status = async (response: Response | Promise<Response>) => {
      const r = await response;
      return [r.status, ((await r.json()) as { error: { code: string } }).error.code];
    };
    const other = await auth("brand_admin", "Acme");
    expect(await status(app.request(`/api/v1/transformations/${script.id}`, { headers: other }))).toEqual([404, "TRANSFORMATION_NOT_FOUND"]);
    expect(
      await status(app.request("/api/v1/transformations", { method: "POST", headers: other, body: JSON.stringify({ brand: "Globex", name: "x", definition: SAMPLE_SCRIPT }) })),
    ).toEqual([403, "FORBIDDEN"]);
    expect(
      await status(app.request("/api/v1/transformations", { method: "POST", headers: admin, body: JSON.stringify({ brand: "Globex", name: "from-erp", definition: SAMPLE_SCRIPT }) })),
    ).toEqual([409, "TRANSFORMATION_EXISTS"]);
    const badConvert = { columns: [{ from: "a", convert: { kind: "unit", from: "years", to: "decades" } }] };
    expect(
      await status(app.request(`/api/v1/transformations/${script.id}`, { method: "PUT", headers: admin, body: JSON.stringify({ definition: badConvert }) })),
    ).toEqual([422, "VALIDATION_FAILED"]);
    expect(await status(app.request("/api/v1/transformations", { headers: await auth("consumer") }))).toEqual([403, "FORBIDDEN"]);
  });

  it("gives the importer the brand's default script only while the flag is on", async () => {
    const { rows } = await db.pool.query<{ id: string }>("insert into brands (name) values ('Initech') returning id");
    const brandId = Number(rows[0]?.id);
    const store = createFlagStore(db.pool);
    await store.set(DATA_TRANSFORMATION_FLAG, false, "test");
    let now = 0;
    const transformers = createRowTransformer({ pool: db.pool, flags: createFlagEvaluator({ store, now: () => now }) });
    await createScript(db.pool, { brandId, name: "default", definition: SAMPLE_SCRIPT, actor: "kim" });
    expect(await transformers({ brandId })).toBeUndefined();
    await store.set(DATA_TRANSFORMATION_FLAG, true, "test");
    now += 5_000;
    const transformer = await transformers({ brand: "initech" });
    expect(transformer).toMatchObject({ scriptName: "default", version: 1 });
    expect(transformer?.apply(["Warranty (years)"], ["3"])).toEqual({ headers: ["warranty_months"], row: ["36"] });
    expect(await transformers({ brand: "No Such Brand" })).toBeUndefined();
    expect(await transformers({ brandId, scriptName: "missing" })).toBeUndefined();
    await store.set(DATA_TRANSFORMATION_FLAG, false, "test");
  });
});
