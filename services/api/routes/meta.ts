import { buildOpenApi } from "../../../lib/http/index.ts";
import type { OpenApiDocument, OpenApiInfo, RouteRegistry } from "../../../lib/http/index.ts";
import { renderDocs } from "../docs.ts";

/** The docs page runs no script and loads nothing, so the policy can forbid everything else. */
const DOCS_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/**
 * `/openapi.json` and `/docs`. Register them after every other route: the returned function
 * builds both from the registry once, and the app calls it at start-up so a bad schema
 * reference fails there.
 */
export function metaRoutes(registry: RouteRegistry, info: OpenApiInfo): () => { document: OpenApiDocument; html: string } {
  let built: { document: OpenApiDocument; html: string } | undefined;
  const docs = () => {
    if (built === undefined) {
      const document = buildOpenApi(registry, info);
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
  return docs;
}
