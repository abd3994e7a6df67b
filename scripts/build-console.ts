// Builds the console (console/ → console/dist/) with Vite, then prints the JavaScript's gzipped
// size and fails above the 200 KB budget. Run by `npm ci` / `npm install` (the `prepare` script),
// so a fresh clone has the console without an extra step; `npm run build:console` rebuilds it.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const CONSOLE_DIR = join(import.meta.dirname, "..", "console");
const ASSETS_DIR = join(CONSOLE_DIR, "dist", "assets");
/** The budget for the console's JavaScript, gzipped. */
const BUDGET_BYTES = 200 * 1024;

// A production install (`npm ci --omit=dev`, or NODE_ENV=production) has no Vite: the image
// builds the console in a stage of its own with the dev dependencies and copies console/dist.
const listed = (name: string) => (process.env[name] ?? "").split(/[\s,]+/);
const devOmitted =
  listed("npm_config_omit").includes("dev") || (process.env.NODE_ENV === "production" && !listed("npm_config_include").includes("dev"));
if (devOmitted) {
  process.stdout.write("console: dev dependencies omitted, not building it here\n");
  process.exit(0);
}

const { build } = await import("vite");
await build({ configFile: join(CONSOLE_DIR, "vite.config.ts") });

let gzipped = 0;
let raw = 0;
for (const name of await readdir(ASSETS_DIR)) {
  if (!name.endsWith(".js")) continue;
  const bytes = await readFile(join(ASSETS_DIR, name));
  raw += bytes.length;
  gzipped += gzipSync(bytes, { level: 9 }).length;
}
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
process.stdout.write(`console: built console/dist, JavaScript ${kb(raw)} (${kb(gzipped)} gzipped, budget ${kb(BUDGET_BYTES)})\n`);
if (gzipped > BUDGET_BYTES) {
  process.stderr.write(`console: the JavaScript is over its ${kb(BUDGET_BYTES)} gzipped budget\n`);
  process.exit(1);
}
