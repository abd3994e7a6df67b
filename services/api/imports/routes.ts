import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { Principal } from "../../../lib/auth/index.ts";
import { AppError } from "../../../lib/errors/index.ts";
import type { AppEnv, RouteRegistry } from "../../../lib/http/index.ts";
import { principalOf } from "../../../lib/http/index.ts";
import { IMPORT_JOB_STATUS, failedRowLine, failedRows, getJob, listErrors, loadRowSchema, templateCsv } from "../../../lib/imports/index.ts";
import type { ImportJobRow } from "../../../lib/imports/index.ts";
import { acceptUpload } from "./upload.ts";
import type { RouteModule } from "../route-module.ts";
import type { UploadDeps } from "./upload.ts";

const IMPORTERS = ["super_admin", "brand_admin"] as const;
type Params = { body: undefined; query: Record<string, unknown>; params: { id: string } };

/** Options of {@link importRoutes}; `pollMs` is how often the event stream looks at the job. */
export interface ImportRouteDeps extends UploadDeps {
  readonly pollMs?: number;
}

/** `/api/v1/imports`: upload a product-model CSV (dry run or commit) and follow the job. */
export function importRoutes(deps: ImportRouteDeps): RouteModule {
  // Read on the first request for it and kept for this module's life.
  let rowSchema: Promise<string> | undefined;
  return (registry) => {
    registry.add({
      method: "get",
      path: "/api/v1/imports/template.csv",
      operationId: "importTemplate",
      summary: "The CSV template: the header row and one example row",
      tags: ["imports"],
      roles: IMPORTERS,
      responses: { 200: { description: "The template", contentType: "text/csv" } },
      handler: (c) => c.body(templateCsv(), 200, { "content-type": "text/csv; charset=utf-8" }),
    });
    registry.add({
      method: "get",
      path: "/api/v1/imports/schema.json",
      operationId: "importRowSchema",
      summary: "The JSON Schema every import row is checked against",
      tags: ["imports"],
      roles: IMPORTERS,
      responses: { 200: { description: "A JSON Schema (draft 2020-12)", contentType: "application/schema+json" } },
      handler: async (c) => {
        rowSchema ??= loadRowSchema().then((schema) => JSON.stringify(schema));
        return c.body(await rowSchema, 200, { "content-type": "application/schema+json" });
      },
    });
    addUpload(registry, deps);
    addReads(registry, deps);
  };
}

function addUpload(registry: RouteRegistry, deps: ImportRouteDeps): void {
  registry.add<{ body: undefined; query: { dryRun: boolean; maxInvalidPercent?: number }; params: Record<string, unknown> }>({
    method: "post",
    path: "/api/v1/imports",
    operationId: "createImport",
    summary: "Upload a product-model CSV for a dry run or a commit",
    description:
      "The body streams in and is cut into chunks checked by the ingest workers; follow the job at `Location`. " +
      "File-level problems answer 413 (`IMPORT_TOO_LARGE`), 415 (`UNSUPPORTED_MEDIA_TYPE`) or 422 " +
      "(`IMPORT_EMPTY`, `IMPORT_NO_ROWS`, `IMPORT_HEADER_INVALID`, `IMPORT_NOT_UTF8`, `IMPORT_MALFORMED_CSV`), with `importId` in the details.",
    tags: ["imports"],
    roles: IMPORTERS,
    request: {
      query: "import-create-query.json",
      rawBody: { contentTypes: ["text/csv", "multipart/form-data"], description: "The CSV, or a form whose `file` part is the CSV" },
    },
    responses: {
      202: { description: "Accepted; the job is at Location", schema: "import-accepted.json" },
      413: { description: "The upload exceeds the size limit", schema: "error.json" },
      415: { description: "Not text/csv or multipart/form-data", schema: "error.json" },
    },
    handler: async (c, input) => {
      const id = await acceptUpload(deps, {
        contentType: c.req.header("content-type") ?? "",
        body: c.req.raw.body,
        dryRun: input.query.dryRun,
        maxInvalidPercent: input.query.maxInvalidPercent ?? 0,
        principal: principalOf(c),
        correlationId: c.get("correlationId"),
      });
      c.header("location", `/api/v1/imports/${id}`);
      return c.json({ id, status: IMPORT_JOB_STATUS.queued }, 202);
    },
  });
}

function addReads(registry: RouteRegistry, deps: ImportRouteDeps): void {
  const notFound = { 404: { description: "No such import (or not yours)", schema: "error.json" } };
  registry.add<Params>({
    method: "get",
    path: "/api/v1/imports/:id",
    operationId: "getImport",
    summary: "An import's status, counts and progress",
    tags: ["imports"],
    roles: IMPORTERS,
    request: { params: "import-params.json" },
    responses: { 200: { description: "The job", schema: "import-job.json" }, ...notFound },
    handler: async (c, input) => c.json((await readableJob(deps, c, input.params.id)).view),
  });
  registry.add<Params>({
    method: "get",
    path: "/api/v1/imports/:id/events",
    operationId: "importEvents",
    summary: "The job as server-sent events (`status`), one per change, until it ends",
    tags: ["imports"],
    roles: IMPORTERS,
    request: { params: "import-params.json" },
    responses: { 200: { description: "An event stream of ImportJob objects", contentType: "text/event-stream" }, ...notFound },
    handler: async (c, input) => {
      await readableJob(deps, c, input.params.id);
      return events(deps, c, input.params.id);
    },
  });
  registry.add<{ body: undefined; query: { cursor?: string; limit?: number }; params: { id: string } }>({
    method: "get",
    path: "/api/v1/imports/:id/errors",
    operationId: "listImportErrors",
    summary: "The row errors, in row order, a page at a time",
    tags: ["imports"],
    roles: IMPORTERS,
    request: { params: "import-params.json", query: "import-errors-query.json" },
    responses: { 200: { description: "A page of errors", schema: "import-errors.json" }, ...notFound },
    handler: async (c, input) => {
      await readableJob(deps, c, input.params.id);
      return c.json(await listErrors(deps.pool, input.params.id, input.query.cursor, input.query.limit ?? 100));
    },
  });
  registry.add<Params>({
    method: "get",
    path: "/api/v1/imports/:id/errors.csv",
    operationId: "importErrorsCsv",
    summary: "The failed rows as uploaded, plus an `error` column, to fix and upload again",
    description: "Cells a spreadsheet would run as formulas (starting with = + - @, tab or CR) are prefixed with '.",
    tags: ["imports"],
    roles: IMPORTERS,
    request: { params: "import-params.json" },
    responses: { 200: { description: "CSV", contentType: "text/csv" }, ...notFound },
    handler: async (c, input) => {
      const job = await readableJob(deps, c, input.params.id);
      return errorsCsv(deps, c, job);
    },
  });
}

/** The job, if the caller may read it: super admins any, brand admins their own. */
async function readableJob(deps: ImportRouteDeps, c: Context<AppEnv>, id: string): Promise<ImportJobRow> {
  const job = await getJob(deps.pool, id);
  if (job === undefined || !mayRead(principalOf(c), job)) {
    throw new AppError("IMPORT_NOT_FOUND", `no import ${id}`, { status: 404 });
  }
  return job;
}

function mayRead(principal: Principal, job: ImportJobRow): boolean {
  return principal.role === "super_admin" || job.createdBy === principal.subject;
}

function events(deps: ImportRouteDeps, c: Context<AppEnv>, id: string): Response {
  return streamSSE(c, async (stream) => {
    let last = "";
    while (!stream.aborted) {
      const job = await getJob(deps.pool, id);
      if (job === undefined) return;
      const data = JSON.stringify(job.view);
      if (data !== last) {
        await stream.writeSSE({ event: "status", data });
        last = data;
      }
      if (job.view.status === IMPORT_JOB_STATUS.succeeded || job.view.status === IMPORT_JOB_STATUS.failed) return;
      await stream.sleep(deps.pollMs ?? 250);
    }
  });
}

function errorsCsv(deps: ImportRouteDeps, c: Context<AppEnv>, job: ImportJobRow): Response {
  const encoder = new TextEncoder();
  let after = 0;
  let started = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(`${[...job.header, "error"].join(",")}\r\n`));
        return;
      }
      const rows = await failedRows(deps.pool, job.view.id, after, 1000);
      if (rows.length === 0) {
        controller.close();
        return;
      }
      after = rows[rows.length - 1]?.row ?? after;
      controller.enqueue(encoder.encode(rows.map((r) => `${failedRowLine(r.raw ?? "", r.error)}\r\n`).join("")));
    },
  });
  return c.body(body, 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="import-${job.view.id}-errors.csv"`,
  });
}
