import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvelope } from "../../lib/bus/index.ts";
import { QUEUES } from "../../lib/messages/index.ts";
import { waitFor } from "../support/wait.ts";
import { createHarness, csv } from "./support/harness.ts";
import type { Harness } from "./support/harness.ts";

describe("a merge that fails commits nothing, and the import can be retried", () => {
  let h: Harness;
  let admin: string;

  beforeAll(async () => {
    h = await createHarness("postgres");
    await h.startWorkers();
    admin = await h.token("super_admin");
    await h.brand("Initech");
  });
  afterAll(async () => h?.stop());

  async function modelNames(): Promise<string[]> {
    const { rows } = await h.db.pool.query<{ name: string }>("select model_number || '=' || model_name as name from product_models order by 1");
    return rows.map((r) => r.name);
  }

  it("on a violated constraint", async () => {
    await h.db.pool.query("alter table product_models add constraint test_no_boom check (model_name <> 'BOOM')");
    const file = csv(["Initech,K-1,Fine,tools,12,,", "Initech,K-2,BOOM,tools,12,,", "Initech,K-3,Fine too,tools,12,,"]);
    const failed = await h.run(file, { dryRun: false, token: admin });
    expect(failed.status).toBe("failed");
    expect(failed.error?.code).toBe("IMPORT_MERGE_FAILED");
    expect(failed.error?.message).toContain("test_no_boom");
    expect(failed.counts).toMatchObject({ total: 3, valid: 3, inserted: 0, updated: 0 });
    expect(await modelNames()).toEqual([]);
    const { rows: staged } = await h.db.pool.query("select 1 from import_staging");
    expect(staged).toEqual([]);

    await h.db.pool.query("alter table product_models drop constraint test_no_boom");
    const retried = await h.run(file, { dryRun: false, token: admin });
    expect(retried).toMatchObject({ status: "succeeded", counts: { inserted: 3, updated: 0 } });
    expect(await modelNames()).toEqual(["K-1=Fine", "K-2=BOOM", "K-3=Fine too"]);
  });

  it("when the merging backend is terminated", async () => {
    const blocker = await h.db.pool.connect();
    try {
      // Holding a lock on a row the merge updates parks the merge where the test can find and kill it.
      await blocker.query("begin");
      await blocker.query("select * from product_models where model_number = 'K-1' for update");
      const response = await h.upload(csv(["Initech,K-0,New,tools,12,,", "Initech,K-1,Changed,tools,12,,", "Initech,K-9,New,tools,12,,"]), {
        dryRun: false,
        token: admin,
      });
      const { id } = (await response.json()) as { id: string };
      const pid = await waitFor(
        async () => {
          const { rows } = await h.db.pool.query<{ pid: number }>(
            `select pid from pg_stat_activity
             where datname = current_database() and wait_event_type = 'Lock' and query like '%insert into product_models%'`,
          );
          return rows[0]?.pid;
        },
        { what: "the merge to wait on the lock" },
      );
      await h.db.pool.query("select pg_terminate_backend($1)", [pid]);
      await blocker.query("rollback");
      const job = await h.waitEnded(id, admin);
      expect(job.status).toBe("failed");
      expect(job.error?.code).toBe("IMPORT_MERGE_FAILED");
      expect(job.error?.message).toMatch(/terminat/i);
      expect(await modelNames()).toEqual(["K-1=Fine", "K-2=BOOM", "K-3=Fine too"]);
    } finally {
      blocker.release();
    }
    const retried = await h.run(csv(["Initech,K-0,New,tools,12,,", "Initech,K-1,Changed,tools,12,,", "Initech,K-9,New,tools,12,,"]), {
      dryRun: false,
      token: admin,
    });
    expect(retried).toMatchObject({ status: "succeeded", counts: { inserted: 2, updated: 1 } });
    expect(await modelNames()).toEqual(["K-0=New", "K-1=Changed", "K-2=BOOM", "K-3=Fine too", "K-9=New"]);
  });
});

describe("brands at /api/v1/brands", () => {
  let h: Harness;
  let admin: string;

  beforeAll(async () => {
    h = await createHarness("postgres");
    admin = await h.token("super_admin");
  });
  afterAll(async () => h?.stop());

  function call(method: string, path: string, body?: unknown, token = admin) {
    return h.app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  it("creates, reads, renames, lists and deletes, checking names and serial formats", async () => {
    const created = await call("POST", "/api/v1/brands", { name: " Umbrella ", serialFormat: "UC-#{5}" });
    expect(created.status).toBe(201);
    const brand = (await created.json()) as { id: string; name: string; serialFormat: string };
    expect(brand).toMatchObject({ name: "Umbrella", serialFormat: "UC-#{5}" });
    expect(created.headers.get("location")).toBe(`/api/v1/brands/${brand.id}`);

    const clash = await call("POST", "/api/v1/brands", { name: "UMBRELLA" });
    expect(clash.status).toBe(409);
    const badMask = await call("POST", "/api/v1/brands", { name: "Other", serialFormat: "(a+)+$" });
    expect(badMask.status).toBe(422);
    expect(((await badMask.json()) as { error: { code: string } }).error.code).toBe("SERIAL_FORMAT_INVALID");

    const renamed = await call("PATCH", `/api/v1/brands/${brand.id}`, { name: "Umbrella Corp", serialFormat: null });
    expect(await renamed.json()).toEqual({ id: brand.id, name: "Umbrella Corp", serialFormat: null });
    expect(await (await call("GET", `/api/v1/brands/${brand.id}`)).json()).toEqual({ id: brand.id, name: "Umbrella Corp", serialFormat: null });
    expect(await (await call("GET", "/api/v1/brands")).json()).toEqual({ items: [{ id: brand.id, name: "Umbrella Corp", serialFormat: null }] });

    await h.db.pool.query(
      "insert into product_models (brand_id, model_number, model_name, category, warranty_months) values ($1, 'U-1', 'x', 'y', 1)",
      [brand.id],
    );
    expect((await call("DELETE", `/api/v1/brands/${brand.id}`)).status).toBe(409);
    await h.db.pool.query("delete from product_models");
    expect((await call("DELETE", `/api/v1/brands/${brand.id}`)).status).toBe(204);
    expect((await call("GET", `/api/v1/brands/${brand.id}`)).status).toBe(404);
  });

  it("is for super admins only", async () => {
    const brandAdmin = await h.token("brand_admin", { brand: "Acme" });
    expect((await call("GET", "/api/v1/brands", undefined, brandAdmin)).status).toBe(403);
    expect((await call("POST", "/api/v1/brands", { name: "X" }, brandAdmin)).status).toBe(403);
  });
});

describe("chunks delivered more than once, or whose blob is gone", () => {
  let h: Harness;
  let admin: string;

  beforeAll(async () => {
    h = await createHarness("postgres");
    admin = await h.token("super_admin");
    await h.brand("Wayne");
  });
  afterAll(async () => h?.stop());

  it("counts a redelivered chunk once", async () => {
    const response = await h.upload(csv(Array.from({ length: 12 }, (_, i) => `Wayne,W-${i},Bat ${i},gadgets,12,,`)), { dryRun: true, token: admin });
    const { id } = (await response.json()) as { id: string };
    const { rows: chunks } = await h.db.pool.query<{ chunk_no: number; blob_name: string; first_row: number; first_line: number }>(
      "select chunk_no, blob_name, first_row, first_line from import_chunks where job_id = $1 order by chunk_no",
      [id],
    );
    expect(chunks.length).toBeGreaterThan(1);
    // Every chunk is already queued once; queue each again (new message ids) before any worker runs.
    for (const c of chunks) {
      const payload = { jobId: id, chunkNo: c.chunk_no, blob: { container: "imports", name: c.blob_name }, firstRow: c.first_row, firstLine: c.first_line, rows: 1 };
      await h.bus.publish(QUEUES.importChunk, createEnvelope("import.chunk", payload));
    }
    const workers = await h.startWorkers();
    const job = await h.waitEnded(id, admin);
    await workers.stop();
    expect(job).toMatchObject({ status: "succeeded", counts: { total: 12, valid: 12, invalid: 0, inserted: 12 } });
    expect(job.progress).toEqual({ chunksDone: chunks.length, chunksTotal: chunks.length });
    // The finaliser removes the chunk blobs of an ended job.
    for (const c of chunks) expect(await h.blob.exists("imports", c.blob_name)).toBe(false);
  });

  it("fails the job when a chunk's blob has disappeared", async () => {
    const response = await h.upload(csv(["Wayne,Z-1,Gone,gadgets,12,,"]), { dryRun: true, token: admin });
    const { id } = (await response.json()) as { id: string };
    const { rows } = await h.db.pool.query<{ blob_name: string }>("select blob_name from import_chunks where job_id = $1", [id]);
    for (const row of rows) await h.blob.delete("imports", row.blob_name);
    await h.startWorkers();
    const ended = await h.waitEnded(id, admin);
    expect(ended).toMatchObject({ status: "failed", error: { code: "IMPORT_CHUNK_MISSING" } });
  });
});
