/** Every role a token may carry. */
export const ROLES = ["super_admin", "brand_admin", "consumer", "technician", "operator"] as const;

/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** Who is calling, as established by a verified token. */
export interface Principal {
  readonly subject: string;
  readonly role: Role;
  /** The brand a brand admin manages; always present for `brand_admin`. */
  readonly brand?: string;
}

/** True for a string that names a known role. */
export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** True when the principal holds one of `roles`. */
export function hasRole(principal: Principal, ...roles: readonly Role[]): boolean {
  return roles.includes(principal.role);
}
