import { describe, expect, it } from "vitest";
import { CORRELATION_HEADER } from "../../lib/http/index.ts";
import { TEST_SCHEMAS, testRoutes } from "./routes.ts";
import { schemasWith, testApp } from "../support/api-app.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function appWithTestRoutes() {
  return testApp({ routes: [testRoutes], schemas: await schemasWith(TEST_SCHEMAS) });
}

describe("error mapping", () => {
  it("answers an AppError with its status, code, message and details", async () => {
    const { app } = await appWithTestRoutes();
    const response = await app.request("/test/fail/conflict");
    expect(response.status).toBe(409);
    expect(response.headers.get("retry-after")).toBeNull();
    expect(await response.json()).toEqual({
      error: { code: "SERIAL_TAKEN", message: "serial already registered", details: { serial: "X1" } },
    });
  });

  it("adds Retry-After to a retryable 503 and logs it with the correlation id", async () => {
    const { app, lines } = await appWithTestRoutes();
    const response = await app.request("/test/fail/unavailable", { headers: { [CORRELATION_HEADER]: "req-503" } });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(await response.json()).toEqual({ error: { code: "BUS_UNREACHABLE", message: "the broker cannot be reached" } });
    expect(lines().some((l) => l.msg === "request failed" && l.correlationId === "req-503")).toBe(true);
  });

  it("answers an unknown error with 500 INTERNAL and keeps the detail in the log only", async () => {
    const { app, lines } = await appWithTestRoutes();
    const response = await app.request("/test/fail/boom", { headers: { [CORRELATION_HEADER]: "req-500" } });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "INTERNAL", message: "internal error" } });
    expect(text).not.toContain("hunter2");
    const logged = lines().find((l) => l.msg === "unexpected error");
    expect(logged).toMatchObject({ correlationId: "req-500", level: 50 });
    expect(JSON.stringify(logged)).toContain("hunter2");
  });

  it("maps Hono's HTTPException to a code from its status", async () => {
    const { app } = await appWithTestRoutes();
    const response = await app.request("/test/fail/http");
    expect(response.status).toBe(429);
    expect(await response.json()).toEqual({ error: { code: "RATE_LIMITED", message: "slow down" } });
  });

  it("answers malformed JSON with 400 BODY_INVALID_JSON, with or without a schema", async () => {
    const { app, sign } = await appWithTestRoutes();
    const raw = await app.request("/test/raw", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"brand": ',
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ error: { code: "BODY_INVALID_JSON", message: "request body is not valid JSON" } });
    const token = await sign({ subject: "root", role: "super_admin" });
    const validated = await app.request("/test/widgets", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: "{not json",
    });
    expect(validated.status).toBe(400);
    expect(await validated.json()).toMatchObject({ error: { code: "BODY_INVALID_JSON" } });
  });

  it("answers unknown routes and methods with 404 NOT_FOUND", async () => {
    const { app } = await appWithTestRoutes();
    const missing = await app.request("/api/v1/nothing-here");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: "NOT_FOUND", message: "no route for GET /api/v1/nothing-here" } });
    const wrongMethod = await app.request("/api/v1/whoami", { method: "DELETE" });
    expect(wrongMethod.status).toBe(404);
    expect(await wrongMethod.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });
});

describe("correlation ids", () => {
  it("echoes a valid incoming id and logs the request line with it", async () => {
    const { app, lines } = await testApp();
    const response = await app.request("/health/live", { headers: { [CORRELATION_HEADER]: "client-abc.123" } });
    expect(response.headers.get(CORRELATION_HEADER)).toBe("client-abc.123");
    const line = lines().find((l) => l.msg === "request");
    expect(line).toMatchObject({
      correlationId: "client-abc.123",
      method: "GET",
      route: "/health/live",
      path: "/health/live",
      status: 200,
    });
    expect(typeof line?.ms).toBe("number");
  });

  it("generates a UUID when none is sent, or the one sent is unsafe", async () => {
    const { app } = await testApp();
    const none = await app.request("/health/live");
    expect(none.headers.get(CORRELATION_HEADER)).toMatch(UUID);
    const unsafe = await app.request("/health/live", { headers: { [CORRELATION_HEADER]: "bad id\twith<html>" } });
    expect(unsafe.headers.get(CORRELATION_HEADER)).toMatch(UUID);
    const long = await app.request("/health/live", { headers: { [CORRELATION_HEADER]: "x".repeat(129) } });
    expect(long.headers.get(CORRELATION_HEADER)).toMatch(UUID);
  });

  it("is set on error responses too", async () => {
    const { app } = await appWithTestRoutes();
    const response = await app.request("/test/fail/boom", { headers: { [CORRELATION_HEADER]: "err-1" } });
    expect(response.headers.get(CORRELATION_HEADER)).toBe("err-1");
    const missing = await app.request("/nowhere");
    expect(missing.headers.get(CORRELATION_HEADER)).toMatch(UUID);
  });
});
