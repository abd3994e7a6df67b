import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createTokenSigner } from "../../lib/auth/index.ts";
import { TEST_SCHEMAS, testRoutes } from "./routes.ts";
import { SECRET, schemasWith, testApp } from "../support/api-app.ts";

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

describe("auth on /api/v1/whoami", () => {
  it("answers 401 AUTH_REQUIRED without a token, with a Bearer challenge", async () => {
    const { app } = await testApp();
    const response = await app.request("/api/v1/whoami");
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await response.json()).toEqual({ error: { code: "AUTH_REQUIRED", message: "a bearer token is required" } });
  });

  it("answers 401 AUTH_REQUIRED for a header that is not a bearer token", async () => {
    const { app } = await testApp();
    const response = await app.request("/api/v1/whoami", { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: "AUTH_REQUIRED" } });
  });

  it("passes on the verifier's errors for bad and expired tokens", async () => {
    const { app, sign } = await testApp();
    const foreign = await createTokenSigner("another-secret-that-is-also-long-enough!!")({ subject: "x", role: "operator" });
    const invalid = await app.request("/api/v1/whoami", { headers: bearer(foreign) });
    expect(invalid.status).toBe(401);
    expect(invalid.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(await invalid.json()).toMatchObject({ error: { code: "AUTH_INVALID_TOKEN" } });
    const expired = await sign({ subject: "x", role: "operator", expiresIn: "1 hour ago" });
    const late = await app.request("/api/v1/whoami", { headers: bearer(expired) });
    expect(late.status).toBe(401);
    expect(await late.json()).toMatchObject({ error: { code: "AUTH_TOKEN_EXPIRED" } });
  });

  it("returns the principal of every role, matching its documented schema", async () => {
    const { app, sign, schemas } = await testApp();
    const validate = schemas.validator("principal.json", "body");
    for (const principal of [
      { subject: "c-1", role: "consumer" },
      { subject: "b-1", role: "brand_admin", brand: "acme" },
      { subject: "o-1", role: "operator" },
    ] as const) {
      const response = await app.request("/api/v1/whoami", { headers: bearer(await sign(principal)) });
      expect(response.status).toBe(200);
      const body: unknown = await response.json();
      expect(body).toEqual(principal);
      expect(validate(body)).toBe(true);
    }
  });

  it("rejects a token with an unknown role even though its signature is right", async () => {
    const { app } = await testApp();
    const token = await new SignJWT({ role: "root" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("x")
      .setIssuer("warranty-hub")
      .setAudience("warranty-hub")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(SECRET));
    const response = await app.request("/api/v1/whoami", { headers: bearer(token) });
    expect(response.status).toBe(401);
  });
});

describe("role guard and request validation", () => {
  async function setup() {
    return testApp({ routes: [testRoutes], schemas: await schemasWith(TEST_SCHEMAS), maxBodyBytes: 2048 });
  }
  const post = (token: string, body: string, type = "application/json") => ({
    method: "POST",
    headers: { ...bearer(token), "content-type": type },
    body,
  });

  it("answers 403 FORBIDDEN to a role the route does not allow", async () => {
    const { app, sign } = await setup();
    const token = await sign({ subject: "c-1", role: "consumer" });
    const response = await app.request("/test/widgets", post(token, JSON.stringify({ brand: "acme", model: "m" })));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      error: { code: "FORBIDDEN", details: { requiredRoles: ["super_admin", "brand_admin"], role: "consumer" } },
    });
  });

  it("passes a valid body to the handler with the principal", async () => {
    const { app, sign } = await setup();
    const token = await sign({ subject: "admin-7", role: "brand_admin", brand: "acme" });
    const response = await app.request("/test/widgets", post(token, JSON.stringify({ brand: "acme", model: "X1", quantity: 2 })));
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ brand: "acme", model: "X1", quantity: 2, createdBy: "admin-7" });
  });

  it("answers 422 VALIDATION_FAILED naming every bad, missing and unexpected field", async () => {
    const { app, sign } = await setup();
    const token = await sign({ subject: "root", role: "super_admin" });
    const body = JSON.stringify({ brand: 42, quantity: 0, colour: "red", owner: { subject: "s", role: "king" } });
    const response = await app.request("/test/widgets", post(token, body));
    expect(response.status).toBe(422);
    const { error } = (await response.json()) as { error: { code: string; message: string; details: { problems: unknown[] } } };
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details.problems).toEqual(
      expect.arrayContaining([
        { location: "body", field: "/brand", message: "must be string" },
        { location: "body", field: "/model", message: "is required" },
        { location: "body", field: "/quantity", message: "must be >= 1" },
        { location: "body", field: "/colour", message: "is not allowed" },
        { location: "body", field: "/owner/role", message: "must be equal to one of the allowed values" },
      ]),
    );
    expect(error.message).toContain("body /brand must be string");
  });

  it("refuses a body that is not JSON (415) or too large (413)", async () => {
    const { app, sign } = await setup();
    const token = await sign({ subject: "root", role: "super_admin" });
    const text = await app.request("/test/widgets", post(token, "brand=acme", "application/x-www-form-urlencoded"));
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ error: { code: "UNSUPPORTED_MEDIA_TYPE" } });
    const large = JSON.stringify({ brand: "acme", model: "x".repeat(4096) });
    const big = await app.request("/test/widgets", post(token, large));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: "BODY_TOO_LARGE", details: { maxBytes: 2048 } } });
  });

  it("coerces and validates path and query parameters", async () => {
    const { app } = await setup();
    const ok = await app.request("/test/widgets/42?limit=10&tag=a&tag=b");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ params: { id: "42" }, query: { limit: 10, tag: ["a", "b"] } });
    const single = await app.request("/test/widgets/42?tag=a");
    expect(await single.json()).toEqual({ params: { id: "42" }, query: { tag: ["a"] } });
    const bad = await app.request("/test/widgets/abc?limit=1000&sort=name");
    expect(bad.status).toBe(422);
    const { error } = (await bad.json()) as { error: { details: { problems: unknown[] } } };
    expect(error.details.problems).toEqual(
      expect.arrayContaining([
        { location: "params", field: "/id", message: 'must match pattern "^[0-9]+$"' },
        { location: "query", field: "/limit", message: "must be <= 100" },
        { location: "query", field: "/sort", message: "is not allowed" },
      ]),
    );
  });
});
