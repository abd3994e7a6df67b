import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Hono } from "hono";
import { afterAll, describe, expect, it } from "vitest";
import { onError } from "../../lib/http/index.ts";
import type { AppEnv } from "../../lib/http/index.ts";
import { CONSOLE_CSP, consoleApp } from "../../services/api/ops/console.ts";
import { logSink, testApp } from "../support/api-app.ts";

describe("GET /console", () => {
  const empty: string[] = [];
  afterAll(async () => {
    for (const dir of empty) await rm(dir, { recursive: true, force: true });
  });

  it("serves the built page with a strict CSP, only same-origin module scripts, and its assets", async () => {
    const { app } = await testApp();
    const page = await app.request("/console");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toMatch(/unsafe-|https?:/);
    const html = await page.text();
    // The page names no other origin; the CSP stops the scripts from reaching one (the browser tests see no violation).
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    // Every script has a src on this origin: nothing inline, nothing from elsewhere.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(body?.trim()).toBe("");
      expect(attributes).toMatch(/src="\/console\/assets\/[^"]+\.js"/);
    }
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1] ?? "");
    expect(assets.some((a) => a.endsWith(".css"))).toBe(true);
    let gzipped = 0;
    for (const asset of assets) {
      const response = await app.request(asset);
      expect([asset, response.status]).toEqual([asset, 200]);
      expect(response.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
      expect(response.headers.get("cache-control")).toContain("immutable");
      const bytes = Buffer.from(await response.arrayBuffer());
      if (asset.endsWith(".js")) {
        expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
        gzipped += gzipSync(bytes).length;
      }
    }
    console.info(`console JavaScript: ${(gzipped / 1024).toFixed(1)} KB gzipped (budget 200 KB)`);
    expect(gzipped).toBeLessThan(200 * 1024);
  });

  it("answers NOT_FOUND for unknown or climbing asset names", async () => {
    const { app } = await testApp();
    for (const path of ["/console/assets/nope.js", "/console/assets/..%2Fpackage.json", "/console/assets/index.html"]) {
      const response = await app.request(path);
      expect([path, response.status]).toEqual([path, 404]);
      expect(await response.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
    }
  });

  it("answers CONSOLE_NOT_BUILT (503) when console/dist is missing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wh-console-"));
    empty.push(dir);
    const app = new Hono<AppEnv>();
    app.onError(onError(logSink().logger));
    app.route("/console", consoleApp({ distDir: dir }));
    const response = await app.request("/console");
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: "CONSOLE_NOT_BUILT" } });
  });
});
