import { SignJWT, errors, jwtVerify } from "jose";
import type { JWTPayload } from "jose";
import { AppError } from "../errors/index.ts";
import { isRole } from "./roles.ts";
import type { Principal, Role } from "./roles.ts";

/** Turns a bearer token into the caller it names, or throws `AUTH_INVALID_TOKEN` / `AUTH_TOKEN_EXPIRED`. */
export type TokenVerifier = (token: string) => Promise<Principal>;

/** What a new token says about its holder; `expiresIn` takes jose durations such as `"8h"`. */
export interface TokenClaims {
  readonly subject: string;
  readonly role: Role;
  readonly brand?: string;
  readonly expiresIn?: string;
}

/** Issues signed tokens for {@link TokenClaims}. */
export type TokenSigner = (claims: TokenClaims) => Promise<string>;

/** Who issues tokens and whom they are for; both default to `"warranty-hub"`. */
export interface TokenOptions {
  readonly issuer?: string;
  readonly audience?: string;
}

const DEFAULT_PARTY = "warranty-hub";
const ALGORITHM = "HS256";
/** HS256 is only as strong as its key; shorter secrets are guessable offline from any token. */
const MIN_SECRET_LENGTH = 32;
/** Tolerates small clock differences between the instance that signs and the one that verifies. */
const CLOCK_TOLERANCE_SECONDS = 5;
const DEFAULT_EXPIRY = "1h";

/** A verifier for HS256 tokens signed with `secret` by {@link createTokenSigner}. */
export function createTokenVerifier(secret: string, options: TokenOptions = {}): TokenVerifier {
  // Imported once as a CryptoKey: jose would otherwise import the raw secret on every request.
  const key = crypto.subtle.importKey("raw", secretKey(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const issuer = options.issuer ?? DEFAULT_PARTY;
  const audience = options.audience ?? DEFAULT_PARTY;
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await key, {
        algorithms: [ALGORITHM],
        issuer,
        audience,
        requiredClaims: ["sub", "exp"],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw new AppError("AUTH_TOKEN_EXPIRED", "token has expired", { status: 401, cause: error });
      }
      throw new AppError("AUTH_INVALID_TOKEN", "token is not valid", { status: 401, cause: error });
    }
    return principalFrom(payload);
  };
}

/** A signer whose tokens the matching {@link createTokenVerifier} accepts. */
export function createTokenSigner(secret: string, options: TokenOptions = {}): TokenSigner {
  const key = secretKey(secret);
  const issuer = options.issuer ?? DEFAULT_PARTY;
  const audience = options.audience ?? DEFAULT_PARTY;
  return async (claims) => {
    checkClaims(claims);
    return new SignJWT(claims.brand === undefined ? { role: claims.role } : { role: claims.role, brand: claims.brand })
      .setProtectedHeader({ alg: ALGORITHM })
      .setSubject(claims.subject)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(claims.expiresIn ?? DEFAULT_EXPIRY)
      .sign(key);
  };
}

function secretKey(secret: string): Uint8Array<ArrayBuffer> {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new AppError("AUTH_WEAK_SECRET", `token secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return new TextEncoder().encode(secret);
}

function checkClaims(claims: TokenClaims): void {
  if (claims.subject === "" || !isRole(claims.role) || (claims.role === "brand_admin" && !claims.brand)) {
    throw new AppError("AUTH_INVALID_CLAIMS", "a token needs a subject, a known role, and a brand for brand_admin", {
      status: 400,
      details: { role: claims.role },
    });
  }
}

function principalFrom(payload: JWTPayload): Principal {
  const { sub, role, brand } = payload;
  const invalid = (reason: string) =>
    new AppError("AUTH_INVALID_TOKEN", `token is not valid: ${reason}`, { status: 401 });
  if (typeof sub !== "string" || sub === "") throw invalid("no subject");
  if (!isRole(role)) throw invalid("unknown role");
  if (brand !== undefined && (typeof brand !== "string" || brand === "")) throw invalid("malformed brand");
  if (role === "brand_admin" && brand === undefined) throw invalid("brand_admin without brand");
  return brand === undefined ? { subject: sub, role } : { subject: sub, role, brand };
}
