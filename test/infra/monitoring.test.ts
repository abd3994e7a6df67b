import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { METRICS, SERVICES } from "./support/app-contract.ts";
import { exportedMetric, metricNames } from "./support/promql.ts";
import { readRepoFile, repoPath, runTool } from "./support/repo.ts";

const MONITORING = repoPath("infra/monitoring");

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

async function rules(): Promise<Rule[]> {
  const doc = parse(await readRepoFile("infra/monitoring/rules.yml")) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: { expr: string; refId: string }[];
}

async function panels(): Promise<Panel[]> {
  const dashboard = JSON.parse(await readRepoFile("infra/monitoring/grafana/warranty-hub.json")) as { uid: string; panels: Panel[] };
  expect(dashboard.uid).toBe("warranty-hub");
  return dashboard.panels;
}

/** Metrics an expression selects that are neither exported by the app nor recorded by a rule. */
function unknownMetrics(expr: string, recorded: ReadonlySet<string>): string[] {
  return metricNames(expr).filter((name) => exportedMetric(name) === undefined && !recorded.has(name));
}

async function withTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "wh-promtool-"));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("infra/monitoring/rules.yml", () => {
  it("passes promtool check rules", async () => {
    const result = await runTool("promtool", ["check", "rules", "rules.yml"], { cwd: MONITORING });
    expect(`${result.stdout}${result.stderr}`).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });

  it("passes its unit tests (promtool test rules rules.test.yml)", async () => {
    const result = await runTool("promtool", ["test", "rules", "rules.test.yml"], { cwd: MONITORING });
    expect(`${result.stdout}${result.stderr}`).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });

  it("has unit tests that fail when a threshold moves", async () => {
    await withTempDir(async (dir) => {
      const original = await readFile(join(MONITORING, "rules.yml"), "utf8");
      const loosened = original.replace("p95_5m > 0.5", "p95_5m > 5");
      expect(loosened).not.toBe(original);
      await writeFile(join(dir, "rules.yml"), loosened);
      await copyFile(join(MONITORING, "rules.test.yml"), join(dir, "rules.test.yml"));
      const result = await runTool("promtool", ["test", "rules", "rules.test.yml"], { cwd: dir });
      expect(result.code).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`).toContain("ApiLatencyP95High");
    });
  });

  it("alerts on latency, 5xx, the database, dead letters, old messages, workers that are down and late backups", async () => {
    const alerts = (await rules()).filter((r) => r.alert);
    expect(alerts.map((a) => a.alert).sort()).toEqual(
      [
        "ApiErrorRateHigh",
        "ApiLatencyP95High",
        "BackupFailing",
        "BackupRpoMissed",
        "DatabaseUnreachable",
        "DeadLettersPresent",
        "DeadLetteringActive",
        "InstanceDown",
        "QueueNotConsumed",
        "QueueOldestMessageTooOld",
        "ServiceDown",
      ].sort(),
    );
    for (const alert of alerts) {
      expect(["critical", "warning"], alert.alert).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      const runbook = alert.annotations?.runbook_url ?? "";
      expect(existsSync(repoPath(runbook)), `${alert.alert}: ${runbook}`).toBe(true);
    }
  });

  it("reads only metrics the app exports", async () => {
    const all = await rules();
    const recorded = new Set(all.flatMap((r) => (r.record ? [r.record] : [])));
    for (const rule of all) {
      expect(metricNames(rule.expr).length, rule.alert ?? rule.record).toBeGreaterThan(0);
      expect(unknownMetrics(rule.expr, recorded), rule.alert ?? rule.record).toEqual([]);
    }
  });

  it("selects jobs that the scrape configuration produces from the Deployments' component label", async () => {
    const config = parse(await readRepoFile("infra/monitoring/prometheus.yml")) as {
      rule_files: string[];
      scrape_configs: { relabel_configs: { source_labels?: string[]; target_label?: string; replacement?: string }[] }[];
    };
    expect(config.rule_files).toEqual(["rules.yml"]);
    const job = config.scrape_configs[0]?.relabel_configs.find((r) => r.target_label === "job");
    expect(job).toMatchObject({ source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_component"], replacement: "warranty-hub-$1" });
    const jobs = new Set(SERVICES.map((s) => `warranty-hub-${s}`));
    const text = await readRepoFile("infra/monitoring/rules.yml");
    for (const match of text.matchAll(/job="([\w-]+)"/g)) expect(jobs, match[0]).toContain(match[1]);
  });
});

describe("infra/monitoring/grafana/warranty-hub.json", () => {
  it("has a query on every panel, each on metrics the app exports, covering all of them", async () => {
    const all = await panels();
    expect(new Set(all.map((p) => p.id)).size).toBe(all.length);
    const queried = all.filter((p) => p.type !== "row");
    const used = new Set<string>();
    for (const panel of queried) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(unknownMetrics(target.expr, new Set()), `${panel.title}: ${target.expr}`).toEqual([]);
        for (const name of metricNames(target.expr)) used.add(exportedMetric(name) ?? name);
      }
    }
    expect([...used].sort()).toEqual(Object.keys(METRICS).sort());
  });

  it("has only queries that PromQL parses (checked by promtool as recording rules)", async () => {
    const exprs = (await panels()).flatMap((p) => (p.targets ?? []).map((t) => t.expr.replaceAll("$__rate_interval", "5m")));
    const asRules = { groups: [{ name: "dashboard", rules: exprs.map((expr, i) => ({ record: `dashboard:panel_${i}`, expr })) }] };
    await withTempDir(async (dir) => {
      await writeFile(join(dir, "dashboard.yml"), stringify(asRules));
      const result = await runTool("promtool", ["check", "rules", "dashboard.yml"], { cwd: dir });
      expect(`${result.stdout}${result.stderr}`).toContain(`SUCCESS: ${exprs.length} rules found`);
    });
  });
});
