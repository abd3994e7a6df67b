import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CLI_COMMANDS } from "./support/app-contract.ts";
import { kustomizationDir, renderKustomization } from "./support/kustomize.ts";
import { readRepoFile, runTool } from "./support/repo.ts";
import { loadTerraform, resource } from "./support/terraform.ts";

const RUNBOOKS = ["application-rollback.md", "feature-rollback.md", "restore-from-backup.md", "dlq-handling.md"] as const;

/** The ```sh blocks of a runbook, in order. */
async function shellBlocks(name: string): Promise<string[]> {
  const text = await readRepoFile("infra/runbooks", name);
  return [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? "");
}

/** The runbook's commands with continuation lines joined. */
async function commands(name: string): Promise<string[]> {
  return (await shellBlocks(name)).join("\n").replace(/\\\n\s*/g, " ").split("\n");
}

/**
 * `warranty-hub` CLI invocations (npx, in-pod node, or dlq-handling's `dlq` helper): their
 * argument words. The helper's own definition forwards "$@" and is checked through its calls.
 */
function cliCalls(lines: readonly string[]): string[][] {
  return lines.flatMap((line) => {
    const direct = [...line.matchAll(/(?:npx warranty-hub|node bin\/warranty-hub\.ts) ([^)|;&]*)/g)].map((m) => m[1] ?? "");
    const helper = /^dlq( |$)(.*)$/.exec(line.trim());
    const calls = helper ? [...direct, `dlq ${helper[2] ?? ""}`] : direct;
    return calls.map((c) => c.trim().split(/\s+/)).filter((words) => !words.includes('"$@"'));
  });
}

describe("infra/runbooks", () => {
  it.each(RUNBOOKS)("%s has exact commands that pass shellcheck", async (name) => {
    const blocks = await shellBlocks(name);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const script = `#!/usr/bin/env bash\n${blocks.join("\n")}`;
    const result = await runTool("shellcheck", ["--shell=bash", "--severity=style", "-"], { input: script });
    expect(`${result.stdout}${result.stderr}`).toBe("");
  });

  it.each(RUNBOOKS)("%s uses only commands the warranty-hub CLI has", async (name) => {
    for (const [command, sub, ...rest] of cliCalls(await commands(name))) {
      expect(Object.keys(CLI_COMMANDS), `${name}: ${command}`).toContain(command);
      const subs = CLI_COMMANDS[command ?? ""];
      if (subs) expect(subs, `${name}: ${command} ${sub}`).toContain(sub);
      if (command === "dlq" && sub === "purge") expect(rest, `${name}: dlq purge`).toContain("--yes");
      if (command === "flags") expect(rest.at(-1)).toMatch(/^(on|off)$/);
    }
  });

  it.each(RUNBOOKS)("%s names only Deployments, Services and ScaledObjects that exist", async (name) => {
    const objects = await renderKustomization(kustomizationDir("infra/k8s/overlays/azure"));
    const names = new Set(objects.map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`));
    const text = (await commands(name)).join("\n");
    const referenced = [...text.matchAll(/\b(deployment|service|scaledobject)[/ ](warranty-hub-[a-z-]+)\b/g)];
    for (const [, kind, object] of referenced) expect(names, `${name}: ${kind}/${object}`).toContain(`${kind}/${object}`);
  });

  it("rolls an application back by running the deploy workflow with the previous tag", async () => {
    const text = (await commands("application-rollback.md")).join("\n");
    const workflow = parse(await readRepoFile(".github/workflows/deploy.yml")) as {
      on: { workflow_dispatch: { inputs: Record<string, { options?: string[] }> } };
    };
    const inputs = workflow.on.workflow_dispatch.inputs;
    const run = /gh workflow run deploy\.yml((?: -f \w+=\S+)+)/.exec(text);
    const fields = [...(run?.[1] ?? "").matchAll(/-f (\w+)=(\S+)/g)].map((m) => [m[1] ?? "", m[2] ?? ""] as const);
    expect(fields.map(([k]) => k)).toEqual(["imageTag", "environment"]);
    for (const [key, value] of fields) {
      expect(Object.keys(inputs)).toContain(key);
      if (key === "environment") expect(inputs.environment?.options).toContain(value);
    }
    expect(text).toContain("kubectl rollout status");
    expect(text).toContain("/health/ready");
  });

  it("rolls the feature back with the flag first, a backup, then the down migration", async () => {
    const lines = await commands("feature-rollback.md");
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    const flagOff = at(/flags set DataTransformationFeature off/);
    const backup = at(/backup create/);
    const down = at(/migrate down --to/);
    expect(flagOff).toBeGreaterThanOrEqual(0);
    expect(backup).toBeGreaterThan(flagOff);
    expect(down).toBeGreaterThan(backup);
    expect(lines.join("\n")).toMatch(/curl --fail -X PATCH "\$API\/api\/v2\/flags\/DataTransformationFeature"/);
  });

  it("restores with verification, a new database, validation and the transformations smoke test", async () => {
    const text = (await commands("restore-from-backup.md")).join("\n");
    for (const step of ["backup list", "backup verify", "restore \"$BACKUP_ID\" --target", "az postgres flexible-server restore", "/health/ready", "/api/v1/transformations"]) {
      expect(text, step).toContain(step);
    }
    const tf = await loadTerraform();
    expect(String(resource(tf, "azurerm_key_vault_secret", "app")?.for_each)).toContain("database-url");
    for (const match of text.matchAll(/az keyvault secret \w+ .*--name ([\w-]+)/g)) expect(match[1]).toBe("database-url");
  });

  it("handles dead letters by cause: list, show, replay and purge with --yes", async () => {
    const calls = cliCalls(await commands("dlq-handling.md")).map((c) => c.slice(0, 2).join(" "));
    for (const needed of ["dlq list", "dlq show", "dlq replay", "dlq purge"]) expect(calls).toContain(needed);
    const text = (await commands("dlq-handling.md")).join("\n");
    expect(text).toContain('dlq replay "$QUEUE" --cause "$CAUSE"');
    expect(text).toContain('dlq replay "$QUEUE" --all');
  });
});
