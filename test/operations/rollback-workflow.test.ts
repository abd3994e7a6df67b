import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { readAudit } from "../../lib/audit/index.ts";
import { listBackups } from "../../lib/backup/index.ts";
import { backupStore } from "../backup/support.ts";
import { readRepoFile, runTool } from "../infra/support/repo.ts";
import { startReceiver } from "../notify/receiver.ts";
import type { Receiver } from "../notify/receiver.ts";
import { uniquePrefix } from "../support/bus.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { startService } from "./system.ts";
import type { StartedService } from "./system.ts";

interface Step {
  id?: string;
  name?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
}
interface Workflow {
  name: string;
  on: { workflow_dispatch?: { inputs: Record<string, { required?: boolean; type?: string; options?: string[] }> } };
  jobs: Record<string, { environment: string; env: Record<string, string>; steps: Step[] }>;
}

const FILE = ".github/workflows/rollback-data-transformation.yml";

async function workflow(): Promise<Workflow> {
  return parse(await readRepoFile(FILE)) as Workflow;
}

/** Runs a step's script the way the runner does (`bash -e`), with the given environment. */
async function runStep(step: Step | undefined, env: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), "wh-rollback-step-"));
  try {
    const script = join(dir, "step.sh");
    await writeFile(script, step?.run ?? "exit 99");
    return await runTool("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], { env });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe(FILE, () => {
  it("is started by hand with an environment and a reason, and runs only in the operators' environment", async () => {
    const w = await workflow();
    expect(w.name).toBe("Rollback-DataTransformation-Feature");
    expect(Object.keys(w.on)).toEqual(["workflow_dispatch"]);
    expect(w.on.workflow_dispatch?.inputs.environment).toMatchObject({ required: true, type: "choice" });
    expect(w.on.workflow_dispatch?.inputs.reason).toMatchObject({ required: true, type: "string" });
    const [job] = Object.values(w.jobs);
    expect(job?.environment).toBe("${{ inputs.environment }}-operators");
  });

  it("prints its run URL first, then flag, backup, down migration with the ceiling, smoke test, and always notifies", async () => {
    const [job] = Object.values((await workflow()).jobs);
    const steps = job?.steps ?? [];
    const at = (id: string) => steps.findIndex((s) => s.id === id);
    expect(at("run")).toBe(0);
    expect([at("flag"), at("backup"), at("migrate"), at("smoke")].every((i, n, all) => i > 0 && (n === 0 || i > (all[n - 1] ?? 0)))).toBe(true);
    const notify = steps.at(-1);
    expect(notify?.if).toBe("always()");
    expect(notify?.run).toContain("notify rollback");
    expect(notify?.env?.OUTCOMES).toContain("steps.smoke.outcome");
    for (const step of steps) expect(step.run ?? "", step.name).not.toMatch(/\$\{\{/);
  });

  it("has a sibling in deploy.yml: the deploy also always notifies, with its run URL", async () => {
    const deploy = parse(await readRepoFile(".github/workflows/deploy.yml")) as Workflow;
    const last = Object.values(deploy.jobs)[0]?.steps.at(-1);
    expect(last?.if).toBe("always()");
    expect(last?.run).toContain('node bin/warranty-hub.ts notify deploy "$status"');
    expect(last?.run).toContain('--link "run=${RUN_URL}"');
  });

  it("has step scripts that pass shellcheck", async () => {
    const [job] = Object.values((await workflow()).jobs);
    for (const step of job?.steps ?? []) {
      if (step.run === undefined) continue;
      const result = await runTool("shellcheck", ["--shell=bash", "--severity=style", "-"], { input: `#!/usr/bin/env bash\n${step.run}` });
      expect(`${result.stdout}${result.stderr}`, step.name).toBe("");
    }
  });
});

/**
 * Each step's script run locally, in order, against a started system: WH is the local CLI
 * instead of `kubectl exec` into a pod, API_URL the started API, and NOTIFY_WEBHOOK_URL a
 * local receiver.
 */
describe("the rollback workflow's steps against a running system", () => {
  let db: TestDatabase;
  let api: StartedService;
  let receiver: Receiver;
  let dir: string;
  let env: Record<string, string>;
  const store = backupStore();

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "wh-rollback-wf-"));
    receiver = await startReceiver();
    const system = {
      DATABASE_URL: db.url,
      AZURE_STORAGE_CONNECTION_STRING: inject("storageConnectionString"),
      BLOB_CONTAINER_PREFIX: store.prefix,
      QUEUE_PREFIX: uniquePrefix(),
      DATA_DIR: dir,
      JWT_SECRET: "rollback-workflow-test-secret-0123456789",
      NOTIFY_WEBHOOK_URL: `${receiver.url}/generic`,
      LOG_LEVEL: "warn",
    };
    api = await startService("api", system);
    env = {
      ...system,
      HOME: process.env.HOME ?? "/tmp",
      WH: `${process.execPath} bin/warranty-hub.ts`,
      ACTOR: "op-olga",
      REASON: "drill",
      MIGRATE_TO: "6",
      RUN_URL: "https://github.com/example/warranty-hub/actions/runs/42",
      API_URL: api.url,
      FLAG_SETTLE_SECONDS: "0",
    };
  }, 120_000);
  afterAll(async () => {
    await api.stop();
    await receiver.close();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("rolls the feature back, prints each outcome and notifies with the run URL", { timeout: 240_000 }, async () => {
    const [job] = Object.values((await workflow()).jobs);
    const step = (id: string) => job?.steps.find((s) => s.id === id);
    const started = Date.now();

    const run = await runStep(step("run"), env);
    expect(run.stdout).toContain("rollback of DataTransformationFeature by op-olga: https://github.com/example/warranty-hub/actions/runs/42");
    for (const id of ["flag", "backup", "migrate", "smoke"]) {
      const result = await runStep(step(id), env);
      expect(result.code, `${id}: ${result.stdout}${result.stderr}`).toBe(0);
    }
    const notify = await runStep(job?.steps.at(-1), { ...env, JOB_STATUS: "success", OUTCOMES: "flag=success backup=success migrate=success smoke=success" });
    expect(notify.code, notify.stderr).toBe(0);
    expect(notify.stdout).toContain("step outcomes: flag=success backup=success migrate=success smoke=success");
    expect(notify.stdout).toContain("webhook: delivered");
    const elapsedMs = Date.now() - started;
    expect(elapsedMs, "the whole job, far inside the 5 min deploy-workflow budget").toBeLessThan(5 * 60_000);

    const tables = await db.pool.query<{ t: string | null }>("select to_regclass('transformation_scripts')::text as t");
    expect(tables.rows[0]?.t).toBeNull();
    expect((await listBackups(store)).length).toBe(1);
    expect((await readAudit(db.pool, "migrate.down")).map((a) => [a.actor, a.outcome, a.details.reason])).toEqual([["op-olga", "ok", "drill"]]);
    expect((await readAudit(db.pool, "flag.set")).map((a) => [a.actor, a.details.new])).toEqual([["op-olga", false]]);
    const events = receiver.received.map((r) => r.body);
    expect(events.map((e) => e.event)).toEqual(["flag-change", "rollback"]);
    expect(events[1]).toMatchObject({
      status: "succeeded",
      actor: "op-olga",
      links: { run: "https://github.com/example/warranty-hub/actions/runs/42" },
      details: { steps: "flag=success backup=success migrate=success smoke=success" },
    });
  });

  it("fails the smoke test when no ceiling holds the feature's migration back", async () => {
    const [job] = Object.values((await workflow()).jobs);
    const fresh = await createTestDatabase();
    try {
      const result = await runStep(job?.steps.find((s) => s.id === "smoke"), { ...env, DATABASE_URL: fresh.url });
      expect(result.code).not.toBe(0);
      expect(result.stdout).toContain("::error::no migration is held back by a ceiling");
    } finally {
      await fresh.drop();
    }
  });
});
