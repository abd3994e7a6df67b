import { buildOpenApi } from "../../../lib/http/index.ts";
import type { OpenApiDocument, OpenApiInfo } from "../../../lib/http/index.ts";
import type { RouteModule } from "../route-module.ts";
import { renderDocs } from "./docs.ts";

/** The docs page runs no script and loads nothing, so the policy can forbid everything else. */
const DOCS_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/** What the document says about itself (title, version, servers). */
export interface MetaRouteDeps {
  readonly info: OpenApiInfo;
}

/**
 * `/openapi.json` and `/docs`. Register them after every other route: the module builds both
 * from the registry as it registers, so a bad schema reference stops start-up instead of the
 * first `/docs` request.
 */
export function metaRoutes(deps: MetaRouteDeps): RouteModule {
  return (registry) => {
    let built: { document: OpenApiDocument; html: string } | undefined;
    const docs = () => {
      if (built === undefined) {
        const document = buildOpenApi(registry, deps.info);
        built = { document, html: renderDocs(document) };
      }
      return built;
    };
    registry.add({
      method: "get",
      path: "/openapi.json",
      operationId: "getOpenApi",
      summary: "This OpenAPI 3.1 document",
      tags: ["meta"],
      responses: { 200: { description: "The OpenAPI document", contentType: "application/json" } },
      handler: (c) => c.json(docs().document),
    });
    registry.add({
      method: "get",
      path: "/docs",
      operationId: "getDocs",
      summary: "Human-readable API reference rendered from the OpenAPI document",
      tags: ["meta"],
      responses: { 200: { description: "HTML page", contentType: "text/html" } },
      handler: (c) => c.html(docs().html, 200, { "content-security-policy": DOCS_POLICY }),
    });
    docs();
  };
}
