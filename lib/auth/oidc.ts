import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from "jose";
import type { JWTPayload, JWTVerifyGetKey } from "jose";
import { AppError } from "../errors/index.ts";
import { ROLES, isRole } from "./roles.ts";
import type { Principal, Role } from "./roles.ts";
import type { TokenVerifier } from "./tokens.ts";

/**
 * Tokens from an OpenID Connect provider (for example Entra ID): signed with the provider's
 * keys (RS256 or ES256, published as a JWKS), for our audience, with the role and brand in claims.
 */
export interface OidcOptions {
  /** The `iss` the tokens carry; also where `/.well-known/openid-configuration` is found. */
  readonly issuer: string;
  /** The `aud` the tokens must carry (Entra ID: the API's application ID URI or client id). */
  readonly audience: string;
  /** The JWKS; absent: the `jwks_uri` of the issuer's discovery document. */
  readonly jwksUrl?: string;
  /** Claim holding the role, a string or an array (Entra ID app roles: `roles`). Default `roles`. */
  readonly roleClaim?: string;
  /** Claim holding a brand admin's brand. Default `brand`. */
  readonly brandClaim?: string;
}

/** The algorithms a provider's tokens may use; HS256 stays with our own development tokens. */
export const OIDC_ALGORITHMS = ["RS256", "ES256"] as const;
const CLOCK_TOLERANCE_SECONDS = 5;

/** A verifier for the provider's tokens; the key set is fetched on first use and cached by jose. */
export function createOidcVerifier(options: OidcOptions, fetchImpl: typeof fetch = fetch): TokenVerifier {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const keySet = () => {
    keys ??= jwksUrlOf(options, fetchImpl).then((url) => createRemoteJWKSet(new URL(url)));
    // A failed discovery is tried again on the next token rather than cached for the process's life.
    void keys.catch(() => (keys = undefined));
    return keys;
  };
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await keySet(), {
        algorithms: [...OIDC_ALGORITHMS],
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ["sub", "exp"],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof errors.JWTExpired) {
        throw new AppError("AUTH_TOKEN_EXPIRED", "token has expired", { status: 401, cause: error });
      }
      throw new AppError("AUTH_INVALID_TOKEN", "token is not valid", { status: 401, cause: error });
    }
    return principalFromClaims(payload, options.roleClaim ?? "roles", options.brandClaim ?? "brand");
  };
}

/**
 * Picks the verifier by the token's algorithm: HS256 for the tokens `warranty-hub token` signs,
 * RS256/ES256 for the provider's. Each verifier still checks the algorithm itself, so a token
 * cannot choose a weaker check (an HS256 token is never checked against a public key).
 */
export function createVerifierChain(local: TokenVerifier, oidc: TokenVerifier): TokenVerifier {
  return async (token) => {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (error) {
      throw new AppError("AUTH_INVALID_TOKEN", "token is not valid", { status: 401, cause: error });
    }
    return (OIDC_ALGORITHMS as readonly (string | undefined)[]).includes(alg) ? oidc(token) : local(token);
  };
}

async function jwksUrlOf(options: OidcOptions, fetchImpl: typeof fetch): Promise<string> {
  if (options.jwksUrl !== undefined) return options.jwksUrl;
  const discovery = `${options.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  try {
    const response = await fetchImpl(discovery, { signal: AbortSignal.timeout(5_000) });
    const document = (await response.json()) as { jwks_uri?: unknown };
    if (response.ok && typeof document.jwks_uri === "string") return document.jwks_uri;
    throw new Error(`${response.status}, jwks_uri ${typeof document.jwks_uri}`);
  } catch (error) {
    throw new AppError("AUTH_PROVIDER_UNAVAILABLE", `the identity provider's discovery document could not be read: ${discovery}`, {
      status: 503,
      retryable: true,
      cause: error,
    });
  }
}

/** The principal named by the claims: the first known role they list (in {@link ROLES} order), and the brand. */
export function principalFromClaims(payload: JWTPayload, roleClaim: string, brandClaim: string): Principal {
  const invalid = (reason: string) => new AppError("AUTH_INVALID_TOKEN", `token is not valid: ${reason}`, { status: 401 });
  const claimed = payload[roleClaim];
  const listed: unknown[] = Array.isArray(claimed) ? claimed : [claimed];
  const role: Role | undefined = ROLES.find((r) => listed.some((value) => isRole(value) && value === r));
  if (typeof payload.sub !== "string" || payload.sub === "") throw invalid("no subject");
  if (role === undefined) throw invalid(`no known role in the ${roleClaim} claim`);
  const brand = payload[brandClaim];
  if (brand !== undefined && (typeof brand !== "string" || brand === "")) throw invalid("malformed brand");
  if (role === "brand_admin" && brand === undefined) throw invalid("brand_admin without brand");
  return brand === undefined ? { subject: payload.sub, role } : { subject: payload.sub, role, brand };
}
