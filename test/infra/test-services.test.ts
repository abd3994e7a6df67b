import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readRepoFile, runTool } from "./support/repo.ts";

const SCRIPT = "scripts/test-services.sh";
/** What the script runs besides bash builtins, for a PATH that holds only these. */
const NEEDED = ["bash", "id", "grep", "sed", "sort", "tail", "head", "basename", "dirname", "seq", "sleep", "psql", "pg_dump", "pg_restore"];

/** The overrides the suite itself runs with, so the script checks the same services. */
function serviceOverrides(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["TEST_DATABASE_URL", "TEST_AMQP_URL"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A directory of symlinks to `commands` (resolved on the current PATH) plus `extra` scripts. */
async function binWith(commands: readonly string[], extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "wh-test-services-"));
  dirs.push(dir);
  for (const command of commands) {
    const target = execFileSync("bash", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim();
    await symlink(target, join(dir, command));
  }
  for (const [name, body] of Object.entries(extra)) {
    await writeFile(join(dir, name), `#!/bin/sh\n${body}\n`);
    await chmod(join(dir, name), 0o755);
  }
  return dir;
}

describe(SCRIPT, () => {
  it("is what npm test runs before vitest, and .ci/run runs exactly the README's commands", async () => {
    const pkg = JSON.parse(await readRepoFile("package.json")) as { scripts: Record<string, string> };
    expect(pkg.scripts.test).toBe(`bash ${SCRIPT} && vitest run`);
    const readme = await readRepoFile("README.md");
    expect(readme).toMatch(/```sh\nnpm test\n```/);
    const ci = await readRepoFile(".ci/run");
    const npm = ci.split("\n").filter((line) => /^\s*npm /.test(line)).map((line) => line.trim());
    expect(npm).toEqual(["npm ci --no-audit --no-fund", "npm run typecheck", "npm run lint", "npm test"]);
    expect(ci).not.toMatch(/vitest|apt_install|prometheus|shellcheck /);
  });

  it.each([SCRIPT, ".ci/run"])("%s passes shellcheck", async (file) => {
    const result = await runTool("shellcheck", ["--severity=style", file]);
    expect(`${result.stdout}${result.stderr}`).toBe("");
    expect(result.code).toBe(0);
  });

  it("is silent when everything is there (npm test has just provided it)", async () => {
    const result = await runTool("bash", [SCRIPT, "--check"], { env: serviceOverrides() });
    expect(`${result.stdout}${result.stderr}`).toBe("");
    expect(result.code).toBe(0);
  });

  it("names every missing tool with the command that installs it, and fails", async () => {
    const bin = await binWith(NEEDED);
    const result = await runTool("bash", [SCRIPT, "--check"], { env: { ...serviceOverrides(), PATH: bin } });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toEqual([
      "npm test cannot run: promtool is missing: run 'apt-get install --no-install-recommends prometheus' as root",
      "npm test cannot run: amtool is missing: run 'apt-get install --no-install-recommends prometheus-alertmanager' as root",
      "npm test cannot run: shellcheck is missing: run 'apt-get install --no-install-recommends shellcheck' as root",
      "npm test cannot run: chromium is missing: run 'apt-get install --no-install-recommends chromium' as root",
    ]);
  });

  it("asks for client tools of the server's major when the server is newer than pg_dump", async () => {
    // A psql that reports a PostgreSQL 99 server: no pg_dump here or in /usr/lib/postgresql is that new.
    const bin = await binWith(
      NEEDED.filter((c) => c !== "psql"),
      { psql: "echo 990000", promtool: "exit 0", amtool: "exit 0", shellcheck: "exit 0", chromium: "exit 0" },
    );
    const result = await runTool("bash", [SCRIPT, "--check"], { env: { ...serviceOverrides(), PATH: bin } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^npm test cannot run: pg_dump 99 or newer \(found \d+; the server is PostgreSQL 99\) is missing: run 'apt-get install --no-install-recommends postgresql-client-99' as root$/m);
    expect(result.stderr).toMatch(/^npm test cannot run: pg_restore 99 or newer .*postgresql-client-99/m);
  });

  it("uses TEST_DATABASE_URL as given: an unreachable server is reported, never replaced by a local one", async () => {
    const url = "postgres://postgres@127.0.0.1:1/postgres";
    const result = await runTool("bash", [SCRIPT, "--check"], { env: { ...serviceOverrides(), TEST_DATABASE_URL: url } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^npm test cannot run: cannot connect to PostgreSQL at ${url}: .+$`, "m"));
  });
});
