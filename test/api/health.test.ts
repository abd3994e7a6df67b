import { afterEach, describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors/index.ts";
import { createHealth, startOpsServer } from "../../lib/health/index.ts";
import type { OpsServer } from "../../lib/health/index.ts";
import { createMetrics } from "../../lib/metrics/index.ts";
import { logSink } from "../support/api-app.ts";

describe("health", () => {
  it("is live without consulting any check", () => {
    let called = false;
    const health = createHealth({
      database: () => {
        called = true;
        return Promise.resolve();
      },
    });
    expect(health.live()).toEqual({ status: "ok" });
    expect(called).toBe(false);
  });

  it("is ready when every check passes, and reports each one", async () => {
    const health = createHealth({ database: () => Promise.resolve(), bus: () => Promise.resolve() });
    const report = await health.ready();
    expect(report.status).toBe("ready");
    expect(Object.keys(report.checks).sort()).toEqual(["bus", "database"]);
    expect(report.checks.database).toMatchObject({ ok: true });
    expect(report.checks.database?.error).toBeUndefined();
  });

  it("is not ready when a check fails, naming the failure", async () => {
    const health = createHealth({
      database: () => Promise.resolve(),
      bus: () => Promise.reject(new AppError("BUS_UNREACHABLE", "broker cannot be reached", { retryable: true })),
      blob: () => {
        throw new Error("thrown synchronously");
      },
    });
    const report = await health.ready();
    expect(report.status).toBe("not_ready");
    expect(report.checks.database?.ok).toBe(true);
    expect(report.checks.bus).toMatchObject({ ok: false, error: "broker cannot be reached" });
    expect(report.checks.blob).toMatchObject({ ok: false, error: "thrown synchronously" });
  });

  it("fails a check that outlasts the timeout", async () => {
    const health = createHealth({ slow: () => new Promise(() => undefined) }, { timeoutMs: 50 });
    const report = await health.ready();
    expect(report.status).toBe("not_ready");
    expect(report.checks.slow).toMatchObject({ ok: false, error: "timed out after 50 ms" });
  });

  it("reports draining at once after startDraining, without running checks", async () => {
    let runs = 0;
    const health = createHealth({
      database: () => {
        runs += 1;
        return Promise.resolve();
      },
    });
    expect((await health.ready()).status).toBe("ready");
    health.startDraining();
    expect(health.draining).toBe(true);
    expect(await health.ready()).toEqual({ status: "draining", checks: {} });
    expect(runs).toBe(1);
  });
});

describe("ops server", () => {
  let server: OpsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("serves metrics, liveness and readiness on a real port", async () => {
    const metrics = createMetrics();
    metrics.busObserver.outcome("ocr", "handled", 0.1);
    let databaseUp = true;
    const health = createHealth({
      database: () => {
        if (!databaseUp) throw new Error("connection refused");
        return Promise.resolve();
      },
    });
    server = await startOpsServer({ port: 0, host: "127.0.0.1", metrics, health, logger: logSink().logger });
    const base = `http://127.0.0.1:${server.port}`;

    const scraped = await fetch(`${base}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await scraped.text()).toContain('messages_handled_total{queue="ocr"} 1');

    expect(await (await fetch(`${base}/health/live`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", checks: { database: { ok: true } } });

    databaseUp = false;
    const failing = await fetch(`${base}/health/ready`);
    expect(failing.status).toBe(503);
    expect(await failing.json()).toMatchObject({ status: "not_ready", checks: { database: { ok: false, error: "connection refused" } } });

    health.startDraining();
    const draining = await fetch(`${base}/health/ready`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toEqual({ status: "draining", checks: {} });

    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
    const posted = await fetch(`${base}/metrics`, { method: "POST" });
    expect(posted.status).toBe(405);
    await posted.body?.cancel();
  });

  it("refuses a port that is taken with OPS_LISTEN_FAILED", async () => {
    const deps = { metrics: createMetrics(), health: createHealth({}), logger: logSink().logger };
    server = await startOpsServer({ port: 0, host: "127.0.0.1", ...deps });
    await expect(startOpsServer({ port: server.port, host: "127.0.0.1", ...deps })).rejects.toMatchObject({
      code: "OPS_LISTEN_FAILED",
    });
  });
});
