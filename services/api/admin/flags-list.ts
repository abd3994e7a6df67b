import type { FlagStore } from "../../../lib/flags/index.ts";
import type { RouteModule } from "../route-module.ts";

/** A store of its own: the list reads the table, never the evaluator's refreshed copy. */
export interface FlagListRouteDeps {
  readonly store: FlagStore;
}

/** `GET /api/v2/flags`: every feature flag with its state and who changed it last. */
export function flagListRoutes(deps: FlagListRouteDeps): RouteModule {
  const { store } = deps;
  return (registry) => {
    registry.add({
      method: "get",
      path: "/api/v2/flags",
      operationId: "listFlags",
      summary: "Every feature flag, by name",
      description: "Switch one with `PATCH /api/v2/flags/{name}`; the audit log keeps who changed it and when.",
      tags: ["operations"],
      roles: ["operator"],
      responses: { 200: { description: "The flags", schema: "flags/list.json" } },
      handler: async (c) => c.json({ items: await store.list() }),
    });
  };
}
