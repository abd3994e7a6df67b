export { ROLES, hasRole, isRole } from "./roles.ts";
export type { Principal, Role } from "./roles.ts";
export { createTokenSigner, createTokenVerifier } from "./tokens.ts";
export type { TokenClaims, TokenOptions, TokenSigner, TokenVerifier } from "./tokens.ts";
export { loadOrCreateSecret } from "./secret.ts";
