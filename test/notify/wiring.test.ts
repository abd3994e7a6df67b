import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createBackup, startBackupSchedule } from "../../lib/backup/index.ts";
import { createPool } from "../../lib/db/index.ts";
import { DATA_TRANSFORMATION_FLAG } from "../../lib/flags/index.ts";
import { backupFailureNotices, createNotifier } from "../../lib/notify/index.ts";
import { backupStore, cliEnv, runCli } from "../backup/support.ts";
import { testLogger } from "../support/bus.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { startReceiver } from "./receiver.ts";
import type { Receiver } from "./receiver.ts";

/** The moments the runbooks announce, each sent by the code that performs it, to a real HTTP receiver. */
describe("notifications from the operator paths", () => {
  let receiver: Receiver;
  let db: TestDatabase;
  const store = backupStore();
  const events = () => receiver.received.map((r) => [r.body.event, r.body.status]);

  beforeAll(async () => {
    receiver = await startReceiver();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await receiver.close();
    await db.drop();
  });

  const env = (extra: Record<string, string> = {}) => ({
    ...cliEnv(store, db.url),
    NOTIFY_WEBHOOK_URL: `${receiver.url}/generic`,
    NOTIFY_ENVIRONMENT: "test",
    USER: "op-olga",
    ...extra,
  });

  it("`notify` sends a deploy or rollback outcome with its run URL, and exits 1 when the webhook refuses it", { timeout: 120_000 }, async () => {
    receiver.received.length = 0;
    const args = ["notify", "rollback", "succeeded", "--summary", "DataTransformationFeature rolled back", "--link", "run=https://ci.example/runs/7"];
    const sent = await runCli(args, env({ NOTIFY_SLACK_WEBHOOK_URL: `${receiver.url}/slack` }));
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain("webhook: delivered after 1 attempt(s)");
    expect(sent.stdout).toContain("slack: delivered after 1 attempt(s)");
    const generic = receiver.received.find((r) => r.path === "/generic")?.body;
    expect(generic).toMatchObject({ event: "rollback", status: "succeeded", actor: "op-olga", environment: "test", links: { run: "https://ci.example/runs/7" } });

    receiver.failNext(404);
    const refused = await runCli(args, env());
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("webhook: NOT delivered (HTTP 404)");
    expect((await runCli(["notify", "lunch", "succeeded", "--summary", "x"], env())).code).toBe(2);
    expect((await runCli(["notify", "deploy", "succeeded"], env())).code).toBe(2);
    const bad = await runCli(["notify", "deploy", "succeeded", "--summary", "x"], env({ NOTIFY_WEBHOOK_URL: "ftp://nope" }));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("NOTIFY_WEBHOOK_URL");
  });

  it("announces a flag change made with the CLI", async () => {
    receiver.received.length = 0;
    const off = await runCli(["flags", "set", DATA_TRANSFORMATION_FLAG, "on"], env());
    expect(off.code, off.stderr).toBe(0);
    expect(receiver.received.map((r) => r.body)).toMatchObject([
      { event: "flag-change", status: "succeeded", actor: "op-olga", details: { flag: DATA_TRANSFORMATION_FLAG, old: false, new: true, channel: "cli" } },
    ]);
  });

  it("announces a failed scheduled backup", async () => {
    receiver.received.length = 0;
    const notifier = createNotifier({
      config: { webhookUrl: `${receiver.url}/generic`, slackWebhookUrl: undefined, environment: "test", timeoutMs: 2000 },
      version: "v1",
      logger: testLogger(),
    });
    const pool = createPool(db.url, { max: 2 });
    const schedule = startBackupSchedule({
      ...store,
      pool,
      databaseUrl: db.url.replace(/\/[^/]+$/, "/wh_no_such_database"),
      logger: testLogger(),
      checkEveryMs: 3_600_000,
      observers: [backupFailureNotices(notifier)],
    });
    try {
      expect(await schedule.tick()).toBe("failed");
      const [body] = await waitFor(() => receiver.received.length > 0 && receiver.received.map((r) => r.body), { what: "backup-failure" });
      expect(body).toMatchObject({ event: "backup-failure", status: "failed", actor: "system", details: { newestBackup: "none" } });
    } finally {
      await schedule.stop();
      await pool.end();
    }
  });

  it("announces the start and the end of a restore", async () => {
    receiver.received.length = 0;
    await createBackup({ ...store, pool: db.pool, databaseUrl: db.url, logger: testLogger() });
    const targetName = `${db.name}_notified`;
    const target = new URL(db.url);
    target.pathname = `/${targetName}`;
    try {
      const restored = await runCli(["restore", "latest", "--target", target.toString()], env());
      expect(restored.code, restored.stderr).toBe(0);
      expect(events()).toEqual([
        ["restore-start", "started"],
        ["restore-end", "succeeded"],
      ]);
      expect(receiver.received[1]?.body.summary).toMatch(new RegExp(`^restore of \\S+ into ${targetName} validated in .+ \\(RTO 4 h\\)$`));
    } finally {
      const admin = createPool(inject("adminDatabaseUrl"), { max: 1 });
      await admin.query(`drop database if exists ${targetName} with (force)`);
      await admin.end();
    }
  });
});
