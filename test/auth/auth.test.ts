import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { ROLES, createTokenSigner, createTokenVerifier, hasRole, loadOrCreateSecret } from "../../lib/auth/index.ts";
import { AppError } from "../../lib/errors/index.ts";

const SECRET = "a-test-secret-that-is-long-enough-for-hs256";

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

/** A token with claims the signer would refuse to put in, signed with the right secret. */
function rawToken(claims: Record<string, unknown>, secret = SECRET): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("user-1")
    .setIssuer("warranty-hub")
    .setAudience("warranty-hub")
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode(secret));
}

describe("tokens", () => {
  const sign = createTokenSigner(SECRET);
  const verify = createTokenVerifier(SECRET);

  it("round-trips every role, keeping the brand of a brand admin", async () => {
    for (const role of ROLES) {
      const brand = role === "brand_admin" ? "acme" : undefined;
      const principal = await verify(await sign({ subject: `s-${role}`, role, ...(brand ? { brand } : {}) }));
      expect(principal).toEqual(brand ? { subject: `s-${role}`, role, brand } : { subject: `s-${role}`, role });
    }
  });

  it("says an expired token is expired", async () => {
    const token = await sign({ subject: "u", role: "consumer", expiresIn: "2 minutes ago" });
    const error = await rejection(verify(token));
    expect(error).toMatchObject({ code: "AUTH_TOKEN_EXPIRED", status: 401, retryable: false });
    expect(error.cause).toBeDefined();
  });

  it("rejects a token signed with another secret", async () => {
    const token = await createTokenSigner(`${SECRET}-other`)({ subject: "u", role: "operator" });
    const error = await rejection(verify(token));
    expect(error).toMatchObject({ code: "AUTH_INVALID_TOKEN", status: 401 });
    expect(error.cause).toBeDefined();
  });

  it("rejects a token for another audience or issuer", async () => {
    const token = await createTokenSigner(SECRET, { audience: "elsewhere" })({ subject: "u", role: "operator" });
    expect(await rejection(verify(token))).toMatchObject({ code: "AUTH_INVALID_TOKEN" });
    const custom = createTokenVerifier(SECRET, { issuer: "idp", audience: "api" });
    const ok = await createTokenSigner(SECRET, { issuer: "idp", audience: "api" })({ subject: "u", role: "operator" });
    expect(await custom(ok)).toEqual({ subject: "u", role: "operator" });
  });

  it("rejects an unknown role and a brand admin without brand", async () => {
    expect(await rejection(verify(await rawToken({ role: "root" })))).toMatchObject({ code: "AUTH_INVALID_TOKEN" });
    expect(await rejection(verify(await rawToken({ role: "brand_admin" })))).toMatchObject({
      code: "AUTH_INVALID_TOKEN",
      status: 401,
    });
    expect(await verify(await rawToken({ role: "brand_admin", brand: "acme" }))).toEqual({
      subject: "user-1",
      role: "brand_admin",
      brand: "acme",
    });
  });

  it("rejects garbage and unsigned tokens", async () => {
    expect(await rejection(verify("not-a-jwt"))).toMatchObject({ code: "AUTH_INVALID_TOKEN" });
    const payload = (await rawToken({ role: "operator" })).split(".")[1] ?? "";
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${payload}.`;
    expect(await rejection(verify(none))).toMatchObject({ code: "AUTH_INVALID_TOKEN" });
  });

  it("refuses to sign a brand admin without brand, and refuses short secrets", async () => {
    expect(await rejection(sign({ subject: "u", role: "brand_admin" }))).toMatchObject({ code: "AUTH_INVALID_CLAIMS" });
    expect(() => createTokenVerifier("short")).toThrow(AppError);
  });

  it("checks roles", () => {
    const principal = { subject: "u", role: "technician" } as const;
    expect(hasRole(principal, "technician", "operator")).toBe(true);
    expect(hasRole(principal, "consumer")).toBe(false);
    expect(hasRole(principal)).toBe(false);
  });
});

describe("loadOrCreateSecret", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("creates the secret file with mode 0600 and reuses it", async () => {
    const root = await mkdtemp(join(tmpdir(), "wh-auth-"));
    dirs.push(root);
    const dataDir = join(root, "nested", "data");
    const secret = await loadOrCreateSecret(dataDir);
    expect(Buffer.from(secret, "base64url")).toHaveLength(48);
    const file = join(dataDir, "jwt-secret");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, "utf8")).trim()).toBe(secret);
    expect(await loadOrCreateSecret(dataDir)).toBe(secret);
    const token = await createTokenSigner(secret)({ subject: "u", role: "consumer" });
    expect(await createTokenVerifier(await loadOrCreateSecret(dataDir))(token)).toEqual({ subject: "u", role: "consumer" });
  });

  it("gives concurrent callers the same secret", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "wh-auth-"));
    dirs.push(dataDir);
    const secrets = await Promise.all([1, 2, 3, 4].map(() => loadOrCreateSecret(dataDir)));
    expect(new Set(secrets).size).toBe(1);
  });
});
