import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readRepoFile, runTool } from "./support/repo.ts";

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  "working-directory"?: string;
}
interface Workflow {
  on: { workflow_dispatch?: { inputs: Record<string, { required?: boolean; type?: string; options?: string[] }> } } & Record<string, unknown>;
  jobs: Record<string, { steps: Step[]; env?: Record<string, string> }>;
}

async function workflow(name: string): Promise<Workflow> {
  return parse(await readRepoFile(".github/workflows", name)) as Workflow;
}

function steps(w: Workflow): Step[] {
  return Object.values(w.jobs).flatMap((j) => j.steps);
}

function indexOf(all: readonly Step[], pattern: RegExp): number {
  return all.findIndex((s) => pattern.test(s.run ?? ""));
}

/** Runs a step's script the way the runner does (`bash -e`), with the given environment. */
async function runStep(step: Step, env: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), "wh-step-"));
  try {
    const script = join(dir, "step.sh");
    await writeFile(script, step.run ?? "");
    return await runTool("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], { env });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe(".github/workflows/deploy.yml", () => {
  it("is dispatched by hand with a required imageTag", async () => {
    const w = await workflow("deploy.yml");
    const inputs = w.on.workflow_dispatch?.inputs;
    expect(inputs?.imageTag).toMatchObject({ required: true, type: "string" });
    expect(Object.keys(w.on)).toEqual(["workflow_dispatch"]);
  });

  it("refuses latest, empty and malformed tags in its first step, before touching anything", async () => {
    const [first] = steps(await workflow("deploy.yml"));
    expect(first?.run).toBeDefined();
    if (!first) return;
    for (const tag of ["latest", "LATEST", "", "   ", "v1 2", "v1;rm -rf /", "-v1", "$(id)"]) {
      const result = await runStep(first, { IMAGE_TAG: tag });
      expect(result.code, `tag ${JSON.stringify(tag)}`).not.toBe(0);
      expect(result.stdout).toContain("::error::");
    }
    for (const tag of ["v1.4.2", "1.4.2-rc.1", "sha-0a1b2c3", "20250101.7_main"]) {
      const result = await runStep(first, { IMAGE_TAG: tag });
      expect(result.code, `tag ${tag}: ${result.stdout}${result.stderr}`).toBe(0);
    }
  });

  it("sets the image, waits for every rollout, smoke-tests /health/ready, in that order", async () => {
    const w = await workflow("deploy.yml");
    const all = steps(w);
    const setImage = indexOf(all, /kustomize edit set image "warranty-hub=\$\{ACR_LOGIN_SERVER\}\/warranty-hub:\$\{IMAGE_TAG\}"/);
    const rollout = indexOf(all, /kubectl rollout status[\s\S]*--timeout "\$ROLLOUT_TIMEOUT"/);
    const smoke = indexOf(all, /curl --fail[\s\S]*\/health\/ready/);
    expect(setImage).toBeGreaterThan(0);
    expect(rollout).toBeGreaterThan(setImage);
    expect(smoke).toBeGreaterThan(rollout);
    expect(all[rollout]?.run).toMatch(/for deployment in api ingest ocr chat-relay/);
    expect(all[setImage]?.["working-directory"]).toBe("infra/k8s/overlays/${{ vars.K8S_OVERLAY }}");
  });

  it("prints the rollback command, with the tag that ran before, when it fails", async () => {
    const all = steps(await workflow("deploy.yml"));
    const onFailure = all.find((s) => s.if === "failure()");
    expect(onFailure?.run).toContain("gh workflow run deploy.yml -f imageTag=${PREVIOUS_TAG}");
    expect(onFailure?.env?.PREVIOUS_TAG).toBe("${{ steps.previous.outputs.tag }}");
    if (!onFailure) return;
    const result = await runStep(onFailure, { IMAGE_TAG: "v1.4.2", PREVIOUS_TAG: "v1.4.1", ENVIRONMENT: "production" });
    expect(result.stdout).toContain("gh workflow run deploy.yml -f imageTag=v1.4.1 -f environment=production");
  });

  it("never splices inputs into scripts and only reads outputs of earlier steps", async () => {
    const all = steps(await workflow("deploy.yml"));
    for (const step of all) expect(step.run ?? "", step.name).not.toMatch(/\$\{\{/);
    const text = await readRepoFile(".github/workflows/deploy.yml");
    for (const match of text.matchAll(/steps\.([\w-]+)\.outputs/g)) {
      const producer = all.findIndex((s) => s.id === match[1]);
      expect(producer, match[0]).toBeGreaterThanOrEqual(0);
      expect(all.findIndex((s) => s.if === "failure()")).toBeGreaterThan(producer);
    }
  });

  it("picks an overlay that exists and writes the Secret keys that overlay's scalers read", async () => {
    const text = await readRepoFile(".github/workflows/deploy.yml");
    expect(text).toContain('echo "AMQP_URL=$(secret amqp-url)"');
    expect(text).toContain('echo "SERVICEBUS_CONNECTION_STRING=$(secret servicebus-connection-string)"');
    expect(text).toContain('if [ "$K8S_OVERLAY" = "azure" ]; then');
    for (const overlay of ["azure", "rabbitmq"]) {
      await expect(readRepoFile("infra/k8s/overlays", overlay, "kustomization.yaml")).resolves.toContain("../../base");
    }
  });
});

describe(".github/workflows/ci.yml", () => {
  it("runs .ci/run", async () => {
    const all = steps(await workflow("ci.yml"));
    expect(all.some((s) => /\bbash \.ci\/run\b/.test(s.run ?? ""))).toBe(true);
    expect(all.some((s) => s.uses?.startsWith("actions/checkout@"))).toBe(true);
  });
});

describe("workflow scripts", () => {
  it.each(["deploy.yml", "ci.yml"])("%s passes shellcheck", async (name) => {
    const all = steps(await workflow(name));
    for (const [index, step] of all.entries()) {
      if (step.run === undefined) continue;
      // GitHub substitutes ${{ }} before bash sees the script; a plain word stands in for it.
      const script = `#!/usr/bin/env bash\n${step.run.replace(/\$\{\{[^}]*\}\}/g, "x")}`;
      const result = await runTool("shellcheck", ["--shell=bash", "--severity=style", "-"], { input: script });
      expect(`${result.stdout}${result.stderr}`, `${name} step ${index} (${step.name ?? step.run.slice(0, 40)})`).toBe("");
      expect(result.code).toBe(0);
    }
  });
});
