import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import type { Context } from "hono";
import { AppError } from "../../../lib/errors/index.ts";
import type { AppEnv } from "../../../lib/http/index.ts";

/** Where `npm ci` (the `prepare` script) and `npm run build:console` put the built console. */
export const CONSOLE_DIST = fileURLToPath(new URL("../../../console/dist/", import.meta.url));

/**
 * Only this origin's files, no inline script or style, no framing: the console is a bundle and a
 * stylesheet from /console/assets, and talks to the API and the chat hub on the same origin.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Readonly<Record<string, string>> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".woff2": "font/woff2",
};

/** Names Vite gives assets (`index-<hash>.js`): nothing that could climb out of the folder. */
const ASSET_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** `distDir` lets a test serve a console it built into a temporary folder. */
export interface ConsoleOptions {
  readonly distDir?: string;
}

/**
 * `GET /console`: the admin and operator console, a static single-page app built from console/.
 * Mounted beside the API routes (not in the OpenAPI document: it is a page, not an operation);
 * the page signs in with a bearer token and calls the documented API like any client. A sub-app
 * mounted with `app.route`, not a route module: the registry holds documented operations only.
 */
export function consoleApp(options: ConsoleOptions = {}): Hono<AppEnv> {
  const dist = options.distDir ?? CONSOLE_DIST;
  const app = new Hono<AppEnv>();
  const page = async (c: Context<AppEnv>) => serve(c, join(dist, "index.html"), "text/html; charset=utf-8", "no-cache");
  app.get("/", page);
  app.get("/index.html", page);
  app.get("/assets/:name", async (c) => {
    const name = c.req.param("name");
    const type = TYPES[extname(name)];
    if (!ASSET_NAME.test(name) || type === undefined) throw notFound(name);
    // Vite puts a content hash in every asset name, so a name's bytes never change.
    return serve(c, join(dist, "assets", name), type, "public, max-age=31536000, immutable");
  });
  return app;
}

async function serve(c: Context<AppEnv>, path: string, type: string, cache: string): Promise<Response> {
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    if (path.endsWith("index.html")) {
      throw new AppError("CONSOLE_NOT_BUILT", "the console is not built: run `npm run build:console` (npm ci does it too)", {
        status: 503,
        cause: error,
      });
    }
    throw notFound(path.slice(path.lastIndexOf("/") + 1));
  }
  return c.body(new Uint8Array(body), 200, {
    "content-type": type,
    "cache-control": cache,
    "content-security-policy": CONSOLE_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
  });
}

function notFound(name: string): AppError {
  return new AppError("NOT_FOUND", `the console has no file ${name}`, { status: 404 });
}
