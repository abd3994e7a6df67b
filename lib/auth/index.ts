/**
 * Roles, the principal a request acts as, and the signed bearer tokens that carry it. HTTP
 * services and the CLI's `token` command share it.
 */

export { ROLES, hasRole, isRole } from "./roles.ts";
export type { Principal, Role } from "./roles.ts";
export { createTokenSigner, createTokenVerifier } from "./tokens.ts";
export type { TokenClaims, TokenOptions, TokenSigner, TokenVerifier } from "./tokens.ts";
export { loadOrCreateSecret } from "./secret.ts";
export { OIDC_ALGORITHMS, createOidcVerifier, createVerifierChain, principalFromClaims } from "./oidc.ts";
export type { OidcOptions } from "./oidc.ts";
