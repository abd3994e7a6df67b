import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTokenSigner } from "../../lib/auth/index.ts";
import type { TokenClaims } from "../../lib/auth/index.ts";
import { freePort } from "../../lib/embedded/index.ts";
import { connectClient, SECRET, seedServiceRequest, tokenFor, userId } from "../chat/support.ts";
import type { ChatClient } from "../chat/support.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { runScript } from "../support/process.ts";
import type { RunningChild } from "../support/process.ts";
import { waitFor } from "../support/wait.ts";
import { axeViolations, launchBrowser, screenshots } from "./support.ts";
import type { Browser } from "./support.ts";

const HEADER = "brand,model_number,model_name,category,warranty_months,release_date,serial_format";
const CLEAN = [HEADER, "Acme,AC-100,Acme Washer 100,washer,24,2024-01-15,", "Acme,AC-200,Acme Dryer 200,dryer,12,,"].join("\n");
const BROKEN = [HEADER, "Acme,AC-300,Acme Fridge,fridge,24,,", "Acme,AC 400!,Bad number,fridge,999,,"].join("\n");

describe("the console in a real browser, against `start all`", () => {
  let db: TestDatabase;
  let dataDir: string;
  let run: RunningChild;
  let origin: string;
  let browser: Browser;
  let page: Page;
  let customer: ChatClient | undefined;
  /** Pages whose layout overflowed sideways, and axe violations, collected and checked at the end of each test. */
  const problems: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.pool.query("insert into brands (name) values ('Acme')");
    dataDir = await mkdtemp(join(tmpdir(), "wh-console-"));
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    run = runScript("bin/warranty-hub.ts", ["start", "all"], {
      DATABASE_URL: db.url,
      AZURE_STORAGE_CONNECTION_STRING: inject("storageConnectionString"),
      JWT_SECRET: SECRET,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      CHAT_PORT: String(await freePort()),
      METRICS_PORT: String(await freePort()),
      BACKUP_INTERVAL_MS: "0",
    });
    await waitFor(
      async () => {
        if (run.child.exitCode !== null) throw new Error(`start all exited with ${run.child.exitCode}:\n${run.stderr()}`);
        return fetch(`${origin}/health/ready`).then((r) => r.status === 200, () => false);
      },
      { timeoutMs: 90_000, intervalMs: 250, what: "start all to be ready" },
    );
    browser = await launchBrowser();
    page = await browser.context.newPage();
  }, 150_000);

  afterAll(async () => {
    await customer?.stop();
    await browser?.close();
    if (run?.child.exitCode === null) {
      run.child.kill("SIGTERM");
      await run.exited;
    }
    await rm(dataDir, { recursive: true, force: true });
    await db?.drop();
  });

  async function signInAs(claims: TokenClaims): Promise<void> {
    const token = await createTokenSigner(SECRET)(claims);
    await page.goto(`${origin}/console`);
    const signOut = page.getByRole("button", { name: "Sign out" });
    if (await signOut.isVisible()) await signOut.click();
    await page.getByLabel("Access token").fill(token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText(`Signed in as ${claims.subject}`).waitFor();
  }

  /** Axe and both widths for the page as it is now. */
  async function check(name: string): Promise<void> {
    problems.push(...(await axeViolations(page)).map((v) => `${name}: ${v}`));
    problems.push(...(await screenshots(page, name)).map((v) => `overflows: ${v}`));
  }

  async function upload(csv: string, dryRun: boolean): Promise<void> {
    await page.goto(`${origin}/console#/imports`);
    await page.getByLabel("CSV file").setInputFiles({ name: "models.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByLabel(/^Dry run/).setChecked(dryRun);
    await page.getByRole("button", { name: "Upload" }).click();
  }

  async function progressReaches100(): Promise<void> {
    await page.getByTestId("progress-text").filter({ hasText: "100 %" }).waitFor({ timeout: 90_000 });
    expect(await page.locator("#import-progress").getAttribute("value")).toBe("100");
  }

  it("signs a brand admin in, runs a dry run, commits it watching progress reach 100 %, and downloads errors.csv", async () => {
    await page.goto(`${origin}/console`);
    const response = await page.goto(`${origin}/console`);
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await check("sign-in");
    await signInAs({ subject: "ann", role: "brand_admin", brand: "Acme" });
    // A brand admin sees the import pages and none of the operator's.
    const menu = page.getByRole("navigation", { name: "Console pages" });
    expect(await menu.getByRole("link").allTextContents()).toEqual(["Import a file", "Import jobs", "Catalog", "Transformations"]);

    await upload(CLEAN, true);
    await page.getByRole("heading", { name: /^Dry run .*: succeeded$/ }).waitFor({ timeout: 90_000 });
    await progressReaches100();
    await expect.poll(() => page.locator(".counts").innerText()).toMatch(/Would insert\s+2/);
    await check("import-dry-run");

    await page.getByRole("button", { name: "Commit this file" }).click();
    await page.getByRole("heading", { name: /^Import .*: (queued|running|succeeded)$/ }).waitFor();
    await page.getByRole("heading", { name: /^Import .*: succeeded$/ }).waitFor({ timeout: 90_000 });
    await progressReaches100();
    expect(await page.locator(".counts").innerText()).toMatch(/Inserted\s+2/);
    expect((await db.pool.query("select model_number from product_models order by 1")).rows).toEqual([
      { model_number: "AC-100" },
      { model_number: "AC-200" },
    ]);

    await upload(BROKEN, true);
    await page.getByRole("heading", { name: /^Dry run .*: failed$/ }).waitFor({ timeout: 90_000 });
    await page.getByRole("table", { name: "Row errors" }).getByText("AC 400!").waitFor();
    await check("import-errors");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download errors.csv" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^import-.*-errors\.csv$/);
    const csv = await readFile((await download.path()) ?? "", "utf8");
    expect(csv.split("\r\n")[0]).toBe(`${HEADER},error`);
    expect(csv).toContain("AC 400!");
    expect(csv).not.toContain("AC-300");

    await menu.getByRole("link", { name: "Import jobs" }).click();
    await expect.poll(() => page.getByRole("table", { name: /Import jobs/ }).locator("tbody tr").count()).toBe(3);
    await check("jobs");
    await menu.getByRole("link", { name: "Catalog" }).click();
    await page.getByRole("cell", { name: "Acme Dryer 200" }).waitFor();
    await check("catalog");
    await menu.getByRole("link", { name: "Transformations" }).click();
    await page.getByRole("table", { name: "Transformation scripts" }).waitFor();
    await check("transformations");
    expect(browser.cspViolations).toEqual([]);
    expect(problems).toEqual([]);
  }, 300_000);

  it("lets an operator replay a dead letter, flip a flag, and read both in the audit log", async () => {
    // A message that fails validation is dead-lettered at once by the OCR worker: a real dead letter.
    const messageId = randomUUID();
    await db.pool.query("insert into bus_messages (queue, message_id, body) values ('ocr', $1, $2)", [messageId, JSON.stringify({ not: "an envelope" })]);
    await waitFor(async () => (await db.pool.query("select 1 from bus_dead_letters where message_id = $1", [messageId])).rowCount === 1, {
      timeoutMs: 60_000,
      what: "the OCR worker to dead-letter the message",
    });
    await signInAs({ subject: "olga", role: "operator" });
    const menu = page.getByRole("navigation", { name: "Console pages" });
    expect(await menu.getByRole("link").allTextContents()).toEqual(["Dead letters", "Queues", "Feature flags", "Audit log"]);

    await page.getByRole("button", { name: "ocr", exact: true }).click();
    await page.getByRole("heading", { name: /^Dead letters of ocr: 1$/ }).waitFor();
    await page.getByRole("button", { name: `Inspect ${messageId}` }).click();
    await page.getByText('"not": "an envelope"').waitFor();
    await check("dead-letters");
    await page.getByRole("button", { name: `Replay ${messageId}` }).click();
    await page.getByText("Replayed 1 message(s) of ocr.").waitFor();

    await menu.getByRole("link", { name: "Feature flags" }).click();
    const flag = page.getByRole("switch", { name: "DataTransformationFeature" });
    expect(await flag.getAttribute("aria-checked")).toBe("false");
    await flag.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => flag.getAttribute("aria-checked")).toBe("true");
    await page.getByText("by olga").waitFor();
    expect((await db.pool.query("select enabled from feature_flags where name = 'DataTransformationFeature'")).rows).toEqual([{ enabled: true }]);
    await check("flags");

    await menu.getByRole("link", { name: "Audit log" }).click();
    const audit = page.getByRole("table", { name: /Audit log/ });
    await audit.getByRole("cell", { name: "flag.set" }).waitFor();
    await audit.getByRole("cell", { name: "dead-letters.replay" }).waitFor();
    await check("audit");
    await menu.getByRole("link", { name: "Queues" }).click();
    await page.getByRole("table", { name: "Queues now" }).getByRole("rowheader", { name: "ocr" }).waitFor();
    await check("queues");
    expect(browser.cspViolations).toEqual([]);
    expect(problems).toEqual([]);
  }, 240_000);

  it("carries a chat between the console's technician and a customer on the official client, with catch-up", async () => {
    const customerId = userId("customer");
    const technicianId = userId("tech");
    const requestId = await seedServiceRequest(db.pool, { customerId, technicianId });
    customer = await connectClient(`${origin}/hubs/chat`, await tokenFor(customerId, "consumer"));
    await customer.join(requestId);
    // Sent before the technician opens the page: it arrives with the join, as catch-up.
    await customer.send(requestId, "Hello, my washer leaks.");

    await signInAs({ subject: technicianId, role: "technician" });
    const menu = page.getByRole("navigation", { name: "Console pages" });
    expect(await menu.getByRole("link").allTextContents()).toEqual(["Chat"]);
    await page.getByLabel("Service request id").fill(requestId);
    await page.getByRole("button", { name: "Open chat" }).click();
    const messages = page.getByRole("list", { name: "Messages" });
    await messages.getByText("Hello, my washer leaks.").waitFor();
    await page.getByText("Chat connected").waitFor();

    await page.getByRole("textbox", { name: "Message" }).fill("I will come on Tuesday.");
    await page.getByRole("button", { name: "Send" }).click();
    await waitFor(() => customer?.received.some((m) => m.text === "I will come on Tuesday."), { timeoutMs: 20_000, what: "the customer to receive" });
    await customer.send(requestId, "Tuesday is fine.");
    await messages.getByText("Tuesday is fine.").waitFor();
    expect(await messages.locator("li").count()).toBe(3);
    await check("chat");
    expect(browser.cspViolations).toEqual([]);
    expect(problems).toEqual([]);
  }, 180_000);
});
