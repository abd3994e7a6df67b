import type { OpenApiDocument } from "../../../lib/http/index.ts";

/** The parts of an OpenAPI operation the page shows. */
interface Operation {
  readonly operationId?: string;
  readonly summary?: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly security?: readonly unknown[];
  readonly "x-roles"?: readonly string[];
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly required?: boolean; readonly content?: Readonly<Record<string, MediaType>> };
  readonly responses?: Readonly<Record<string, { readonly description?: string; readonly content?: Readonly<Record<string, MediaType>> }>>;
}

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly description?: string;
  readonly schema?: unknown;
}

interface MediaType {
  readonly schema?: unknown;
}

interface Entry {
  readonly method: string;
  readonly path: string;
  readonly operation: Operation;
}

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa}
header,main,nav{max-width:1100px;margin:0 auto;padding:0 24px}
header{padding-top:24px}h1 small{font-weight:normal;color:#667}
nav ul{columns:2;padding-left:18px}
article{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:12px 18px;margin:14px 0}
.method{display:inline-block;min-width:60px;text-align:center;border-radius:4px;color:#fff;font-size:13px;padding:2px 6px;margin-right:8px;text-transform:uppercase}
.get{background:#2f7bd8}.post{background:#2b9a58}.put{background:#b07b12}.patch{background:#8a5bd1}.delete{background:#c63f3f}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border-top:1px solid #e6e9ef;padding:6px 8px;text-align:left;vertical-align:top}
pre{background:#f1f3f7;padding:10px;border-radius:4px;overflow:auto;font-size:13px;margin:4px 0}
code{font-size:13px}.muted{color:#667}`;

/** A self-contained HTML reference of `document`: no script, no external resource. */
export function renderDocs(document: OpenApiDocument): string {
  const info = document.info as { title?: string; version?: string; description?: string } | undefined;
  const entries = operations(document);
  const tags = [...new Set(entries.flatMap((e) => e.operation.tags ?? ["other"]))];
  const schemas = Object.entries(document.components.schemas);
  return [
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`,
    `<title>${escape(info?.title ?? "API")}</title><style>${STYLE}</style></head><body>`,
    `<header><h1>${escape(info?.title ?? "API")} <small>${escape(info?.version ?? "")}</small></h1>`,
    info?.description ? `<p>${prose(info.description)}</p>` : "",
    `<p class="muted">OpenAPI ${escape(document.openapi)} document: <a href="openapi.json">openapi.json</a></p></header>`,
    `<nav><h2>Operations</h2><ul>${entries.map(navItem).join("")}</ul></nav><main>`,
    ...tags.map((tag) => tagSection(tag, entries.filter((e) => (e.operation.tags ?? ["other"]).includes(tag)))),
    `<section id="schemas"><h2>Schemas</h2>`,
    ...schemas.map(([name, schema]) => `<article id="schema-${escape(name)}"><h3>${escape(name)}</h3>${schemaBlock(schema)}</article>`),
    `</section></main></body></html>`,
  ].join("\n");
}

function operations(document: OpenApiDocument): Entry[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method, path, operation: operation as Operation })),
  );
}

function anchor(entry: Entry): string {
  return `op-${entry.operation.operationId ?? `${entry.method}-${entry.path}`}`.replace(/[^A-Za-z0-9_-]/g, "-");
}

function navItem(entry: Entry): string {
  return `<li><a href="#${anchor(entry)}"><span class="method ${escape(entry.method)}">${escape(entry.method)}</span><code>${escape(entry.path)}</code></a> ${escape(entry.operation.summary ?? "")}</li>`;
}

function tagSection(tag: string, entries: readonly Entry[]): string {
  return `<section><h2>${escape(tag)}</h2>${entries.map(operationBlock).join("\n")}</section>`;
}

function operationBlock(entry: Entry): string {
  const op = entry.operation;
  const roles = op["x-roles"];
  const auth =
    op.security !== undefined && op.security.length > 0
      ? `Bearer JWT${roles ? `; roles: ${roles.map((r) => `<code>${escape(r)}</code>`).join(", ")}` : ""}`
      : "none (public)";
  return [
    `<article id="${anchor(entry)}">`,
    `<h3><span class="method ${escape(entry.method)}">${escape(entry.method)}</span><code>${escape(entry.path)}</code></h3>`,
    `<p><strong>${escape(op.summary ?? "")}</strong> <span class="muted">operationId <code>${escape(op.operationId ?? "")}</code></span></p>`,
    op.description ? `<p>${prose(op.description)}</p>` : "",
    `<p>Authentication: ${auth}</p>`,
    parametersTable(op.parameters ?? []),
    op.requestBody ? requestBody(op.requestBody) : "",
    responsesTable(op.responses ?? {}),
    `</article>`,
  ].join("\n");
}

function parametersTable(parameters: readonly Parameter[]): string {
  if (parameters.length === 0) return "";
  const rows = parameters.map(
    (p) =>
      `<tr><td><code>${escape(p.name)}</code></td><td>${escape(p.in)}</td><td>${p.required ? "yes" : "no"}</td><td>${p.description ? prose(p.description) : ""}${schemaBlock(p.schema)}</td></tr>`,
  );
  return `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>${rows.join("")}</table>`;
}

function requestBody(body: NonNullable<Operation["requestBody"]>): string {
  const content = Object.entries(body.content ?? {}).map(
    ([type, media]) => `<p><code>${escape(type)}</code>${body.required ? " (required)" : ""}</p>${schemaBlock(media.schema)}`,
  );
  return `<h4>Request body</h4>${content.join("")}`;
}

function responsesTable(responses: NonNullable<Operation["responses"]>): string {
  const rows = Object.entries(responses).map(([status, response]) => {
    const content = Object.entries(response.content ?? {})
      .map(([type, media]) => `<code>${escape(type)}</code> ${schemaBlock(media.schema)}`)
      .join("");
    return `<tr><td><code>${escape(status)}</code></td><td>${prose(response.description ?? "")}</td><td>${content}</td></tr>`;
  });
  return `<h4>Responses</h4><table><tr><th>status</th><th>description</th><th>body</th></tr>${rows.join("")}</table>`;
}

/** A bare reference becomes a link to its schema; anything else is shown as JSON with links in it. */
function schemaBlock(schema: unknown): string {
  if (schema === undefined) return "";
  const keys = typeof schema === "object" && schema !== null ? Object.keys(schema) : [];
  if (keys.length === 1 && keys[0] === "$ref") return refLink((schema as { $ref: string }).$ref);
  const json = escape(JSON.stringify(schema, null, 2)).replace(
    /&quot;(#\/components\/schemas\/[A-Za-z0-9._-]+[^&]*)&quot;/g,
    (_, ref: string) => `&quot;${refLink(ref)}&quot;`,
  );
  return `<pre>${json}</pre>`;
}

function refLink(ref: string): string {
  const name = /^#\/components\/schemas\/([A-Za-z0-9._-]+)/.exec(ref)?.[1];
  return name === undefined ? `<code>${escape(ref)}</code>` : `<a href="#schema-${escape(name)}"><code>${escape(ref.replace("#/components/schemas/", ""))}</code></a>`;
}

/** Escapes, then shows `backticked` words as code, the only markup the descriptions use. */
function prose(text: string): string {
  return escape(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}
