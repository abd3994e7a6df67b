import { describe, expect, it } from "vitest";
import { testApp } from "../support/api-app.ts";

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe("api health routes", () => {
  it("answers liveness without running checks", async () => {
    const { app } = await testApp({ checks: { database: () => Promise.reject(new Error("down")) } });
    const response = await app.request("/health/live");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await json(response)).toEqual({ status: "ok" });
  });

  it("is ready with 200 when every check passes", async () => {
    const { app } = await testApp({ checks: { database: () => Promise.resolve(), bus: () => Promise.resolve() } });
    const response = await app.request("/health/ready");
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({
      status: "ready",
      checks: { database: { ok: true }, bus: { ok: true } },
    });
  });

  it("answers 503 naming the failing check", async () => {
    const { app } = await testApp({
      checks: { database: () => Promise.resolve(), bus: () => Promise.reject(new Error("ECONNREFUSED")) },
    });
    const response = await app.request("/health/ready");
    expect(response.status).toBe(503);
    expect(await json(response)).toMatchObject({
      status: "not_ready",
      checks: { database: { ok: true }, bus: { ok: false, error: "ECONNREFUSED" } },
    });
  });

  it("answers 503 when a check hangs past the timeout", async () => {
    const { app } = await testApp({ checks: { blob: () => new Promise(() => undefined) }, healthTimeoutMs: 50 });
    const response = await app.request("/health/ready");
    expect(response.status).toBe(503);
    expect(await json(response)).toMatchObject({ status: "not_ready", checks: { blob: { ok: false, error: "timed out after 50 ms" } } });
  });

  it("answers 503 draining as soon as draining starts", async () => {
    const { app, health } = await testApp({ checks: { database: () => Promise.resolve() } });
    expect((await app.request("/health/ready")).status).toBe(200);
    health.startDraining();
    const response = await app.request("/health/ready");
    expect(response.status).toBe(503);
    expect(await json(response)).toEqual({ status: "draining", checks: {} });
  });
});

describe("api metrics", () => {
  it("labels request latency with the route pattern, not the raw path", async () => {
    const { app } = await testApp();
    await app.request("/api/v1/whoami");
    await app.request("/health/live");
    await app.request("/health/live");
    await app.request("/no/such/path/123");
    const response = await app.request("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const body = await response.text();
    expect(body).toContain('http_request_duration_seconds_count{method="GET",route="/api/v1/whoami",status="401"} 1');
    expect(body).toContain('http_request_duration_seconds_count{method="GET",route="/health/live",status="200"} 2');
    expect(body).toContain('http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1');
    expect(body).not.toContain("/no/such/path");
  });

  it("exposes the bus outcome counters fed through the observer", async () => {
    const { app, metrics } = await testApp();
    metrics.busObserver.outcome("registration", "handled", 0.01);
    metrics.busObserver.outcome("registration", "dead_lettered", 0.2);
    const body = await (await app.request("/metrics")).text();
    expect(body).toContain('messages_handled_total{queue="registration"} 1');
    expect(body).toContain('messages_dead_lettered_total{queue="registration"} 1');
    expect(body).toContain('message_handling_duration_seconds_count{queue="registration",outcome="handled"} 1');
  });
});
