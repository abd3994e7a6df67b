import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config/index.ts";
import { createRouteRegistry, loadSchemaSet } from "../../lib/http/index.ts";
import type { RouteSpec } from "../../lib/http/index.ts";
import { loadConfig } from "../../services/api/config.ts";
import { startApiServer } from "../../services/api/server.ts";
import { testApp } from "../support/api-app.ts";

describe("api config", () => {
  it("defaults port, host and body limit", () => {
    const { api, platform } = loadConfig({});
    expect(api).toMatchObject({ port: 3000, host: "0.0.0.0", maxBodyBytes: 1_048_576, publicUrl: undefined });
    expect(api.flagApiKey).toBeUndefined();
    expect(api.imports).toEqual({ maxBytes: 2 * 1024 ** 3, chunkBytes: 1024 ** 2 });
    expect(platform.bus.kind).toBe("postgres");
  });

  it("reports every bad variable at once", () => {
    let error: unknown;
    try {
      loadConfig({ PORT: "http", MAX_BODY_BYTES: "12", PUBLIC_URL: "ftp://x", LOG_LEVEL: "loud" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    for (const name of ["PORT", "MAX_BODY_BYTES", "PUBLIC_URL", "LOG_LEVEL"]) expect(problems).toContain(name);
  });
});

describe("api server", () => {
  it("serves the app on a real port and stops", async () => {
    const { app } = await testApp();
    const server = await startApiServer({ app, port: 0, host: "127.0.0.1" });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/health/live`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ok" });
      await expect(startApiServer({ app, port: server.port, host: "127.0.0.1" })).rejects.toMatchObject({
        code: "API_LISTEN_FAILED",
      });
    } finally {
      await server.close();
    }
    await expect(fetch(`http://127.0.0.1:${server.port}/health/live`)).rejects.toThrow();
  });
});

describe("schema set and route registry", () => {
  async function withSchemas(files: Record<string, unknown>, test: (dir: string) => Promise<void>) {
    const dir = await mkdtemp(join(tmpdir(), "api-schemas-"));
    try {
      for (const [name, content] of Object.entries(files)) {
        await mkdir(join(dir, name, ".."), { recursive: true });
        await writeFile(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
      }
      await test(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const error = { type: "object" };
  const route: RouteSpec = {
    method: "get",
    path: "/things/:id",
    operationId: "getThing",
    summary: "thing",
    tags: ["t"],
    responses: { 200: { description: "ok", schema: "thing.json" } },
    handler: (c) => c.json({}),
  };

  it("loads nested files and refuses unreadable, mis-identified or uncompilable schemas", async () => {
    await withSchemas({ "error.json": error, "a/thing.json": { $ref: "../error.json" } }, async (dir) => {
      const set = await loadSchemaSet(dir);
      expect(set.names).toEqual(["a/thing.json", "error.json"]);
      expect(set.validator("a/thing.json", "body")({ any: 1 })).toBe(true);
    });
    await withSchemas({ "bad.json": "{ nope" }, async (dir) => {
      await expect(loadSchemaSet(dir)).rejects.toMatchObject({ code: "SCHEMA_UNREADABLE" });
    });
    await withSchemas({ "x.json": { $id: "https://elsewhere/x.json" } }, async (dir) => {
      await expect(loadSchemaSet(dir)).rejects.toMatchObject({ code: "SCHEMA_ID_MISMATCH" });
    });
    for (const broken of [{ type: "object", propertiez: {} }, { type: 5 }]) {
      await withSchemas({ "x.json": broken }, async (dir) => {
        await expect(loadSchemaSet(dir)).rejects.toMatchObject({ code: "SCHEMA_INVALID" });
      });
    }
  });

  it("refuses routes naming unknown schemas, taken paths or mismatched params", async () => {
    await withSchemas(
      { "error.json": error, "thing.json": error, "params.json": { type: "object", properties: { key: { type: "string" } } } },
      async (dir) => {
        const registry = createRouteRegistry(await loadSchemaSet(dir));
        registry.add(route);
        expect(() => registry.add(route)).toThrow(expect.objectContaining({ code: "ROUTE_INVALID" }));
        expect(() => registry.add({ ...route, path: "/other", operationId: "getThing" })).toThrow(/operationId/);
        expect(() => registry.add({ ...route, path: "/x", operationId: "x", request: { body: "missing.json" } })).toThrow(
          expect.objectContaining({ code: "SCHEMA_UNKNOWN" }),
        );
        expect(() => registry.add({ ...route, path: "/y/:id", operationId: "y", request: { params: "params.json" } })).toThrow(
          /exactly the path's parameters/,
        );
        expect(() => registry.add({ ...route, path: "/z", operationId: "z", roles: [] })).toThrow(/at least one role/);
        expect(registry.routes).toHaveLength(1);
      },
    );
  });
});
