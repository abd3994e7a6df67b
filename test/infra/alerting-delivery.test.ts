import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, stringify } from "yaml";
import { freePort } from "../../lib/embedded/index.ts";
import { startReceiver } from "../notify/receiver.ts";
import type { Receiver } from "../notify/receiver.ts";
import { startService } from "../operations/system.ts";
import type { StartedService } from "../operations/system.ts";
import { uniquePrefix } from "../support/bus.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { startDaemon, startTcpProxy } from "./support/daemons.ts";
import type { Daemon, TcpProxy } from "./support/daemons.ts";
import { readRepoFile, repoPath, runTool } from "./support/repo.ts";

interface AlertmanagerConfig {
  templates: string[];
  receivers: Array<{
    name: string;
    pagerduty_configs?: Array<Record<string, unknown>>;
    slack_configs?: Array<Record<string, unknown>>;
    webhook_configs?: Array<Record<string, unknown>>;
  }>;
}

interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

describe("infra/monitoring/alertmanager.yml", () => {
  it("passes amtool check-config", async () => {
    const result = await runTool("amtool", ["check-config", "infra/monitoring/alertmanager.yml"]);
    expect(`${result.stdout}${result.stderr}`).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });

  it.each([
    ["critical", "pagerduty,slack,webhook"],
    ["warning", "slack,webhook"],
  ])("routes severity=%s to %s", async (severity, receivers) => {
    const result = await runTool("amtool", ["config", "routes", "test", "--config.file=infra/monitoring/alertmanager.yml", `severity=${severity}`]);
    expect(result.stdout.trim()).toBe(receivers);
  });

  it("is where prometheus.yml sends alerts", async () => {
    const config = parse(await readRepoFile("infra/monitoring/prometheus.yml")) as { alerting?: { alertmanagers: unknown[] } };
    expect(config.alerting?.alertmanagers.length).toBe(1);
  });
});

/**
 * SEQ-OPS-001's alert path, for real: the API and ingest run as processes, Prometheus (Debian's
 * package) scrapes them with the repository's rules, Alertmanager (Debian's package) routes with
 * the repository's configuration, and the receivers' URLs point at a local HTTP receiver. The
 * database is then made unreachable to the system (a TCP proxy between them is cut) and the
 * page must arrive within 2 minutes.
 */
describe("alert delivery, end to end", () => {
  let dir: string;
  let db: TestDatabase;
  let proxy: TcpProxy;
  let receiver: Receiver;
  const services: StartedService[] = [];
  const daemons: Daemon[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wh-alerting-"));
    db = await createTestDatabase();
    receiver = await startReceiver();
    const admin = new URL(inject("adminDatabaseUrl"));
    proxy = await startTcpProxy(admin.hostname, Number(admin.port || 5432));
    const proxied = new URL(db.url);
    proxied.port = String(proxy.port);
    const env = {
      DATABASE_URL: proxied.toString(),
      AZURE_STORAGE_CONNECTION_STRING: inject("storageConnectionString"),
      QUEUE_PREFIX: uniquePrefix(),
      DATA_DIR: dir,
      JWT_SECRET: "alert-delivery-test-secret-0123456789",
      BACKUP_INTERVAL_MS: "0",
      SHUTDOWN_TIMEOUT_MS: "5000",
      LOG_LEVEL: "warn",
    };
    services.push(...(await Promise.all([startService("api", env), startService("ingest", env)])));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    await Promise.all(services.map((s) => s.stop()));
    await receiver.close();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The repository's Alertmanager configuration with every receiver's URL on the local receiver. */
  async function alertmanagerConfig(): Promise<string> {
    const config = parse(await readRepoFile("infra/monitoring/alertmanager.yml")) as AlertmanagerConfig;
    config.templates = config.templates.map((t) => repoPath("infra/monitoring", t));
    for (const receiverConfig of config.receivers) {
      for (const pd of receiverConfig.pagerduty_configs ?? []) {
        delete pd.routing_key_file;
        Object.assign(pd, { routing_key: "test-routing-key", url: `${receiver.url}/pagerduty` });
      }
      for (const slack of receiverConfig.slack_configs ?? []) {
        delete slack.api_url_file;
        slack.api_url = `${receiver.url}/slack`;
      }
      for (const hook of receiverConfig.webhook_configs ?? []) hook.url = `${receiver.url}/webhook`;
    }
    return stringify(config);
  }

  async function startMonitoring(): Promise<void> {
    const [amPort, promPort] = [await freePort(), await freePort()];
    await writeFile(join(dir, "alertmanager.yml"), await alertmanagerConfig());
    daemons.push(
      await startDaemon(
        "prometheus-alertmanager",
        [`--config.file=${join(dir, "alertmanager.yml")}`, `--storage.path=${join(dir, "am")}`, `--web.listen-address=127.0.0.1:${amPort}`, "--cluster.listen-address="],
        `http://127.0.0.1:${amPort}`,
        "prometheus-alertmanager",
      ),
    );
    const [api, ingest] = services;
    const prometheusConfig = {
      global: { scrape_interval: "5s", evaluation_interval: "5s", scrape_timeout: "4s" },
      rule_files: [repoPath("infra/monitoring/rules.yml")],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
      scrape_configs: [
        { job_name: "warranty-hub-api", static_configs: [{ targets: [`127.0.0.1:${api?.port}`] }] },
        { job_name: "warranty-hub-ingest", static_configs: [{ targets: [`127.0.0.1:${ingest?.port}`] }] },
      ],
    };
    await writeFile(join(dir, "prometheus.yml"), stringify(prometheusConfig));
    daemons.push(
      await startDaemon(
        "prometheus",
        [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${promPort}`],
        `http://127.0.0.1:${promPort}`,
        "prometheus",
      ),
    );
  }

  async function query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const prometheus = daemons.at(-1)?.url ?? "";
    const response = await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return ((await response.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result;
  }

  const firing = (path: string) =>
    receiver.received
      .filter((r) => r.path === path)
      .flatMap((r) => (r.body.alerts as WebhookAlert[] | undefined) ?? [])
      .filter((a) => a.status === "firing" && a.labels.alertname === "DatabaseUnreachable");

  it("pages DatabaseUnreachable with severity, runbook and dashboard within 2 minutes of losing the database", { timeout: 300_000 }, async () => {
    await startMonitoring();
    // Baseline: both processes scraped, their database checks passing, nothing firing.
    await waitFor(async () => (await query('health_check_status{check="database"} == 1')).length === 2, {
      timeoutMs: 60_000,
      intervalMs: 1000,
      what: "both processes scraped with a passing database check",
    });
    expect(firing("/webhook")).toEqual([]);

    await proxy.cut();
    const cutAt = Date.now();
    const alerts = await waitFor(() => firing("/webhook").length > 0 && firing("/webhook"), {
      timeoutMs: 150_000,
      intervalMs: 500,
      what: "DatabaseUnreachable at the webhook receiver",
    });
    const elapsedMs = Date.now() - cutAt;
    expect(elapsedMs, `delivered after ${Math.round(elapsedMs / 1000)} s`).toBeLessThan(120_000);

    const alert = alerts[0];
    expect(alert?.labels).toMatchObject({ alertname: "DatabaseUnreachable", severity: "critical" });
    expect(["warranty-hub-api", "warranty-hub-ingest"]).toContain(alert?.labels.job);
    expect(existsSync(repoPath(alert?.annotations.runbook_url ?? "missing"))).toBe(true);
    expect(alert?.annotations.dashboard_url).toBe("/d/warranty-hub/warranty-hub");

    // Critical also pages the on-call and posts to Slack, with absolute links.
    const pagerduty = await waitFor(() => receiver.received.find((r) => r.path === "/pagerduty")?.body, { timeoutMs: 30_000, what: "PagerDuty event" });
    expect(pagerduty).toMatchObject({ routing_key: "test-routing-key", event_action: "trigger", payload: { severity: "critical" } });
    expect(JSON.stringify(pagerduty)).toContain("https://grafana.warranty-hub.example.com/d/warranty-hub/warranty-hub");
    expect(JSON.stringify(pagerduty)).toContain("infra/runbooks/restore-from-backup.md");
    const slack = await waitFor(() => receiver.received.find((r) => r.path === "/slack")?.body, { timeoutMs: 30_000, what: "Slack message" });
    expect(JSON.stringify(slack)).toContain("DatabaseUnreachable (critical)");
    expect(JSON.stringify(slack)).toContain("Dashboard: https://grafana.warranty-hub.example.com/d/warranty-hub/warranty-hub");
  });
});
