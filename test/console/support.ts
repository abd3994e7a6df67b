import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { BrowserContext, Page } from "playwright-core";
import { REPO_ROOT } from "../support/process.ts";

/** Debian's chromium: installed by scripts/test-services.sh, since no browser can be downloaded here. */
export const CHROMIUM = "/usr/bin/chromium";

/** Where the browser tests leave their screenshots (gitignored). */
export const SCREENSHOT_DIR = join(REPO_ROOT, "test-output", "console");

/** The widths the layout must work at: a laptop and a phone. */
export const VIEWPORTS = [
  { name: "1280", width: 1280, height: 900 },
  { name: "390", width: 390, height: 844 },
] as const;

/** A headless chromium with a profile of its own; `close` removes the profile. */
export interface Browser {
  readonly context: BrowserContext;
  /** Content Security Policy violations the pages reported on the console. */
  readonly cspViolations: string[];
  close(): Promise<void>;
}

/** Starts chromium with a fresh profile and nothing that reaches the network on its own. */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "wh-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: VIEWPORTS[0],
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const cspViolations: string[] = [];
  context.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) cspViolations.push(message.text());
  });
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    cspViolations,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

let axeSource: string | undefined;

/**
 * Runs axe-core in the page for WCAG 2.0/2.1 level A and AA rules; returns the violations as
 * `rule: selector` lines. Evaluated over the DevTools protocol, so the page's CSP stays as served.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(axeSource);
  return page.evaluate<string[]>(`axe
    .run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
    .then((result) => result.violations.flatMap((v) => v.nodes.map((n) => v.id + ": " + n.target.join(" "))))`);
}

/** Screenshots the whole page at each of {@link VIEWPORTS}, as `<name>-<width>.png`; checks nothing overflows sideways. */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  const overflow: string[] = [];
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${viewport.name}.png`), fullPage: true });
    // Wide tables scroll inside their own box; the page itself must not scroll sideways.
    const wide = await page.evaluate<boolean>("document.documentElement.scrollWidth > window.innerWidth + 1");
    if (wide) overflow.push(`${name} at ${viewport.width} px`);
  }
  await page.setViewportSize({ width: VIEWPORTS[0].width, height: VIEWPORTS[0].height });
  return overflow;
}
