import { createApi } from "./api.ts";
import type { Api, Principal, Role } from "./api.ts";

/** A signed-in user: their token's client and who the API says they are. */
export interface Session {
  readonly api: Api;
  /** The bearer token, for the chat hub's connection. */
  readonly token: string;
  readonly principal: Principal;
}

// sessionStorage: the token lives as long as the tab, and is gone when it closes.
const KEY = "warranty-hub.console.token";

/** Checks `token` with `GET /api/v1/whoami`; keeps it for the tab when it is valid. */
export async function signIn(token: string): Promise<Session> {
  const trimmed = token.trim();
  const api = createApi(trimmed);
  const principal = await api.get<Principal>("/api/v1/whoami");
  sessionStorage.setItem(KEY, trimmed);
  return { api, token: trimmed, principal };
}

/** The tab's kept token, if any. */
export function keptToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

/** Forgets the kept token. */
export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

/** One page of the console and who may see it; the API enforces the same roles. */
export interface PageSpec {
  readonly path: string;
  readonly title: string;
  readonly roles: readonly Role[];
}

const IMPORTERS = ["super_admin", "brand_admin"] as const;

/** The pages, in menu order. */
export const PAGES: readonly PageSpec[] = [
  { path: "imports", title: "Import a file", roles: IMPORTERS },
  { path: "jobs", title: "Import jobs", roles: IMPORTERS },
  { path: "catalog", title: "Catalog", roles: IMPORTERS },
  { path: "transformations", title: "Transformations", roles: IMPORTERS },
  { path: "dead-letters", title: "Dead letters", roles: ["operator"] },
  { path: "queues", title: "Queues", roles: ["operator"] },
  { path: "flags", title: "Feature flags", roles: ["operator"] },
  { path: "audit", title: "Audit log", roles: ["operator", "super_admin"] },
  { path: "chat", title: "Chat", roles: ["technician"] },
];

/** The pages `role` may open. */
export function pagesFor(role: Role): PageSpec[] {
  return PAGES.filter((page) => page.roles.includes(role));
}
