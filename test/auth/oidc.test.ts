import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import type { CryptoKey, JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOidcVerifier, createTokenSigner, createTokenVerifier, createVerifierChain } from "../../lib/auth/index.ts";
import type { TokenVerifier } from "../../lib/auth/index.ts";
import { ConfigError, envReader, readPlatformConfig } from "../../lib/config/index.ts";
import { createApp } from "../../services/api/app.ts";
import { createHealth } from "../../lib/health/index.ts";
import { createMetrics } from "../../lib/metrics/index.ts";
import { loadApiSchemas } from "../../services/api/schemas.ts";
import { rejectionOf } from "../support/errors.ts";
import { logSink } from "../support/api-app.ts";

/** Fails unless `promise` rejects with an AppError of `code`. */
async function expectAppError(promise: Promise<unknown>, code: string): Promise<void> {
  expect((await rejectionOf(promise)).code).toBe(code);
}

const AUDIENCE = "api://warranty-hub";
const SECRET = "oidc-test-local-secret-long-enough-for-hs256";

interface Key {
  readonly alg: "RS256" | "ES256";
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

async function newKey(alg: Key["alg"], kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/** A local identity provider: a discovery document and a JWKS over HTTP, as Entra ID publishes them. */
describe("OIDC tokens from a configured issuer", () => {
  let server: Server;
  let issuer: string;
  let rsa: Key;
  let ec: Key;
  let stranger: Key;
  let discoveryHits = 0;

  beforeAll(async () => {
    [rsa, ec, stranger] = await Promise.all([newKey("RS256", "rsa-1"), newKey("ES256", "ec-1"), newKey("RS256", "rsa-1")]);
    server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/tenant/v2.0/.well-known/openid-configuration") {
        discoveryHits++;
        res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }));
      } else if (req.url === "/tenant/v2.0/keys") {
        res.end(JSON.stringify({ keys: [rsa.jwk, ec.jwk] }));
      } else {
        res.statusCode = 404;
        res.end("{}");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tenant/v2.0`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  function sign(key: Key, claims: Record<string, unknown>, options: { iss?: string; aud?: string; exp?: string } = {}): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid })
      .setSubject("00000000-aaaa-bbbb-cccc-000000000001")
      .setIssuer(options.iss ?? issuer)
      .setAudience(options.aud ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.exp ?? "10m")
      .sign(key.privateKey);
  }

  const verifier = (): TokenVerifier => createOidcVerifier({ issuer, audience: AUDIENCE });

  it("accepts RS256 and ES256 tokens from the issuer's JWKS, taking role and brand from the claims", async () => {
    const verify = verifier();
    expect(await verify(await sign(rsa, { roles: ["Some.Other.Role", "operator"] }))).toEqual({
      subject: "00000000-aaaa-bbbb-cccc-000000000001",
      role: "operator",
    });
    expect(await verify(await sign(ec, { roles: ["brand_admin"], brand: "Acme" }))).toMatchObject({ role: "brand_admin", brand: "Acme" });
    const custom = createOidcVerifier({ issuer, audience: AUDIENCE, jwksUrl: `${issuer}/keys`, roleClaim: "wh_role", brandClaim: "wh_brand" });
    expect(await custom(await sign(ec, { wh_role: "super_admin" }))).toMatchObject({ role: "super_admin" });
  });

  it("rejects tokens of another issuer or audience, another key with the same kid, expired ones, and ones without a known role", async () => {
    const verify = verifier();
    await expectAppError(verify(await sign(rsa, { roles: ["operator"] }, { iss: "https://evil.example/" })), "AUTH_INVALID_TOKEN");
    await expectAppError(verify(await sign(rsa, { roles: ["operator"] }, { aud: "api://other" })), "AUTH_INVALID_TOKEN");
    await expectAppError(verify(await sign(stranger, { roles: ["operator"] })), "AUTH_INVALID_TOKEN");
    await expectAppError(verify(await sign(rsa, { roles: ["operator"] }, { exp: "-1m" })), "AUTH_TOKEN_EXPIRED");
    await expectAppError(verify(await sign(rsa, { roles: ["Reader"] })), "AUTH_INVALID_TOKEN");
    await expectAppError(verify(await sign(rsa, { roles: ["brand_admin"] })), "AUTH_INVALID_TOKEN");
  });

  it("reports an unreachable provider as AUTH_PROVIDER_UNAVAILABLE, and tries discovery again on the next token", async () => {
    const down = createOidcVerifier({ issuer: "http://127.0.0.1:1/none", audience: AUDIENCE });
    const token = await sign(rsa, { roles: ["operator"] });
    await expectAppError(down(token), "AUTH_PROVIDER_UNAVAILABLE");
    await expectAppError(down(token), "AUTH_PROVIDER_UNAVAILABLE");
    const before = discoveryHits;
    const verify = verifier();
    await verify(token);
    await verify(await sign(ec, { roles: ["operator"] }));
    expect(discoveryHits - before).toBe(1);
  });

  it("serves both kinds through the API: whoami names the provider's user, and development HS256 tokens still work", async () => {
    const chain = createVerifierChain(createTokenVerifier(SECRET), verifier());
    const app = createApp({
      logger: logSink().logger,
      metrics: createMetrics(),
      health: createHealth({}),
      schemas: await loadApiSchemas(),
      verifyToken: chain,
    });
    const whoami = async (token: string) => {
      const response = await app.request("/api/v1/whoami", { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await whoami(await sign(ec, { roles: "technician" }))).toMatchObject({ status: 200, body: { role: "technician" } });
    const local = await createTokenSigner(SECRET)({ subject: "dev", role: "operator" });
    expect(await whoami(local)).toMatchObject({ status: 200, body: { subject: "dev", role: "operator" } });
    // An HS256 token whose key is the provider's public key must not pass as a provider token.
    const confused = await new SignJWT({ roles: ["super_admin"] })
      .setProtectedHeader({ alg: "HS256", kid: rsa.kid })
      .setSubject("mallory")
      .setIssuer(issuer)
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(JSON.stringify(rsa.jwk)));
    expect(await whoami(confused)).toMatchObject({ status: 401, body: { error: { code: "AUTH_INVALID_TOKEN" } } });
    expect(await whoami("not-a-jwt")).toMatchObject({ status: 401, body: { error: { code: "AUTH_INVALID_TOKEN" } } });
  });

  it("is configured by OIDC_ISSUER and OIDC_AUDIENCE together, with the claims' names overridable", () => {
    const read = (env: Record<string, string>) => {
      const reader = envReader(env);
      const config = readPlatformConfig(reader, "/tmp");
      reader.done();
      return config.oidc;
    };
    expect(read({})).toBeUndefined();
    expect(read({ OIDC_ISSUER: issuer, OIDC_AUDIENCE: AUDIENCE, OIDC_BRAND_CLAIM: "extension_brand" })).toEqual({
      issuer,
      audience: AUDIENCE,
      roleClaim: "roles",
      brandClaim: "extension_brand",
    });
    expect(() => read({ OIDC_ISSUER: issuer })).toThrow(ConfigError);
    expect(() => read({ OIDC_AUDIENCE: AUDIENCE })).toThrow(/OIDC_AUDIENCE: needs OIDC_ISSUER/);
  });
});
