import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../../lib/audit/index.ts";
import type { Role } from "../../lib/auth/index.ts";
import { createFlagStore } from "../../lib/flags/index.ts";
import { insertJob } from "../../lib/imports/index.ts";
import { auditLogRoutes } from "../../services/api/admin/audit-log.ts";
import { flagListRoutes } from "../../services/api/admin/flags-list.ts";
import { importListRoutes } from "../../services/api/imports/list.ts";
import { productModelRoutes } from "../../services/api/catalog/product-models.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { testApp } from "../support/api-app.ts";

interface Page<T> {
  items: T[];
  nextCursor?: string;
}

describe("the console's read APIs: imports, product models, audit log, flags", () => {
  let db: TestDatabase;
  let harness: Awaited<ReturnType<typeof testApp>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    harness = await testApp({
      routes: [importListRoutes({ pool: db.pool }), productModelRoutes({ pool: db.pool }), auditLogRoutes({ pool: db.pool }), flagListRoutes({ store: createFlagStore(db.pool) })],
    });
    const { rows } = await db.pool.query<{ id: string; name: string }>(
      "insert into brands (name) values ('Acme'), ('Zenith') returning id::text, name",
    );
    for (const brand of rows) {
      for (let i = 1; i <= 5; i++) {
        await db.pool.query(
          `insert into product_models (brand_id, model_number, model_name, category, warranty_months)
           values ($1, $2, $3, 'washer', 24)`,
          [brand.id, `${brand.name.slice(0, 2).toUpperCase()}-${i}00`, `${brand.name} Washer ${i}`],
        );
      }
    }
  });

  afterAll(async () => {
    await db.drop();
  });

  async function get<T>(path: string, role: Role, subject = "tester", brand?: string): Promise<{ status: number; body: T }> {
    const token = await harness.sign({ subject, role, ...(brand === undefined ? {} : { brand }) });
    const response = await harness.app.request(path, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** Follows nextCursor from `path` to the end; returns every page. */
  async function allPages<T>(path: string, role: Role, subject?: string, brand?: string): Promise<Page<T>[]> {
    const pages: Page<T>[] = [];
    let cursor: string | undefined;
    do {
      const sep = path.includes("?") ? "&" : "?";
      const { status, body } = await get<Page<T>>(cursor === undefined ? path : `${path}${sep}cursor=${cursor}`, role, subject, brand);
      expect(status).toBe(200);
      pages.push(body);
      cursor = body.nextCursor;
    } while (cursor !== undefined);
    return pages;
  }

  it("lists import jobs newest first with a cursor; a brand admin sees only their own, filters combine", async () => {
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = randomUUID();
      const dryRun = i % 2 === 0;
      await insertJob(db.pool, { id, dryRun, maxInvalidPercent: 0, createdBy: i < 3 ? "ann" : "bob", role: "brand_admin", restrictBrand: "acme" });
      if (i < 3) mine.push(id);
    }
    const pages = await allPages<{ id: string; createdBy: string }>("/api/v1/imports?limit=2", "super_admin");
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((p) => p.items).map((j) => j.createdBy)).toEqual(["bob", "bob", "ann", "ann", "ann"]);

    const own = await allPages<{ id: string }>("/api/v1/imports?limit=2&createdBy=bob", "brand_admin", "ann", "Acme");
    expect(own.flatMap((p) => p.items.map((j) => j.id))).toEqual([...mine].reverse());
    const dry = await get<Page<{ dryRun: boolean; status: string }>>("/api/v1/imports?dryRun=true&status=queued", "brand_admin", "ann", "Acme");
    expect(dry.body.items.map((j) => [j.dryRun, j.status])).toEqual([[true, "queued"], [true, "queued"]]);
    expect((await get("/api/v1/imports", "operator")).status).toBe(403);
  });

  it("answers CURSOR_INVALID for a cursor it did not hand out", async () => {
    for (const path of ["/api/v1/imports?cursor=bm9wZQ", "/api/v1/admin/audit-log?cursor=bm9wZQ", "/api/v1/product-models?cursor=bm9wZQ"]) {
      const { status, body } = await get<{ error: { code: string } }>(path, path.includes("audit") ? "operator" : "super_admin");
      expect([path, status, body.error.code]).toEqual([path, 400, "CURSOR_INVALID"]);
    }
  });

  it("browses and searches product models; a brand admin sees only their own brand", async () => {
    const all = await allPages<{ brand: string; modelNumber: string }>("/api/v1/product-models?limit=3", "super_admin");
    expect(all.flatMap((p) => p.items).map((m) => `${m.brand}/${m.modelNumber}`)).toEqual([
      ...[1, 2, 3, 4, 5].map((i) => `Acme/AC-${i}00`),
      ...[1, 2, 3, 4, 5].map((i) => `Zenith/ZE-${i}00`),
    ]);
    const own = await allPages<{ brand: string }>("/api/v1/product-models?limit=2&brand=Zenith", "brand_admin", "ann", "acme");
    expect(new Set(own.flatMap((p) => p.items.map((m) => m.brand)))).toEqual(new Set(["Acme"]));
    const found = await get<Page<{ modelName: string }>>("/api/v1/product-models?q=washer%203", "super_admin");
    expect(found.body.items.map((m) => m.modelName)).toEqual(["Acme Washer 3", "Zenith Washer 3"]);
    expect((await get("/api/v1/product-models", "consumer")).status).toBe(403);
  });

  it("pages the audit log newest first, filtered by action prefix, actor and target", async () => {
    for (let i = 0; i < 4; i++) {
      await recordAudit(db.pool, { actor: i < 2 ? "olga" : "piet", action: "dead-letters.replay", target: `queue:ocr`, details: { i }, outcome: "ok" });
    }
    await recordAudit(db.pool, { actor: "olga", action: "flag.set", target: "flag:X", details: {}, outcome: "ok" });
    const pages = await allPages<{ details: { i?: number } }>("/api/v1/admin/audit-log?action=dead-letters.&limit=3", "operator");
    expect(pages.flatMap((p) => p.items).map((e) => e.details.i)).toEqual([3, 2, 1, 0]);
    const olga = await get<Page<{ action: string }>>("/api/v1/admin/audit-log?actor=olga&target=queue:", "super_admin");
    expect(olga.body.items.map((e) => e.action)).toEqual(["dead-letters.replay", "dead-letters.replay"]);
    expect((await get("/api/v1/admin/audit-log", "brand_admin", "ann", "acme")).status).toBe(403);
  });

  it("lists feature flags for operators", async () => {
    const { status, body } = await get<Page<{ name: string; enabled: boolean }>>("/api/v2/flags", "operator");
    expect(status).toBe(200);
    expect(body.items).toContainEqual(expect.objectContaining({ name: "DataTransformationFeature", enabled: false }));
    expect((await get("/api/v2/flags", "super_admin")).status).toBe(403);
  });
});
