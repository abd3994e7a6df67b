import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { execForm, parseDockerfile, stagesOf } from "./support/dockerfile.ts";
import { SERVICES } from "./support/app-contract.ts";
import { readRepoFile, repoPath } from "./support/repo.ts";
import { loadTerraform, variableDefault } from "./support/terraform.ts";

const DOCKERFILE = "infra/docker/Dockerfile";

async function load() {
  const instructions = parseDockerfile(await readRepoFile(DOCKERFILE));
  return { instructions, stages: stagesOf(instructions) };
}

describe(DOCKERFILE, () => {
  it("builds in several stages, every one from a pinned Node 24 image", async () => {
    const { stages } = await load();
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      const [name, tag] = stage.image.split(":");
      expect(name).toBe("node");
      expect(tag, stage.image).toMatch(/^24(\.[\d.]+)?-bookworm-slim$/);
    }
  });

  it("installs production dependencies with npm ci --omit=dev, leaving the node devDependency out", async () => {
    const { instructions } = await load();
    const runs = instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r) && r.includes("--omit=dev"))).toBe(true);
    expect(runs.filter((r) => /\bnpm (install|i)\b/.test(r))).toEqual([]);
    const pkg = JSON.parse(await readRepoFile("package.json")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.devDependencies.node).toBeDefined();
    expect(pkg.dependencies.node).toBeUndefined();
  });

  it("runs the final stage as a non-root user, with no HEALTHCHECK", async () => {
    const { instructions, stages } = await load();
    const users = stages.at(-1)?.instructions.filter((i) => i.keyword === "USER").map((i) => i.args.split(":")[0]) ?? [];
    expect(users.length).toBeGreaterThan(0);
    expect(["root", "0"]).not.toContain(users.at(-1));
    expect(instructions.filter((i) => i.keyword === "HEALTHCHECK")).toEqual([]);
  });

  it("installs pg_dump and pg_restore of the PostgreSQL major Terraform provisions, before dropping root", async () => {
    const { stages } = await load();
    const final = stages.at(-1)?.instructions ?? [];
    const major = final.find((i) => i.keyword === "ARG" && i.args.startsWith("PG_MAJOR="))?.args.slice("PG_MAJOR=".length);
    expect(major).toBe(String(variableDefault(await loadTerraform(), "postgres_version")));
    const at = final.findIndex((i) => i.keyword === "RUN" && i.args.includes('install -y --no-install-recommends "postgresql-client-${PG_MAJOR}"'));
    expect(at).toBeGreaterThanOrEqual(0);
    const install = final[at]?.args ?? "";
    // Debian 12 has no client newer than 15: the PGDG source comes from Debian's postgresql-common.
    expect(install).toMatch(/apt-get install [^&]*\bpostgresql-common\b.*&& \/usr\/share\/postgresql-common\/pgdg\/apt\.postgresql\.org\.sh -y &&/);
    // The build itself fails unless both tools answer with that major.
    for (const tool of ["pg_dump", "pg_restore"]) expect(install).toContain(`${tool} --version | grep -q "(PostgreSQL) \${PG_MAJOR}\\."`);
    expect(install).toMatch(/rm -rf \/var\/lib\/apt\/lists\/\*$/);
    expect(at).toBeLessThan(final.findIndex((i) => i.keyword === "USER"));
  });

  it("starts the CLI of package.json's bin, so one image runs every service", async () => {
    const { stages } = await load();
    const final = stages.at(-1)?.instructions ?? [];
    const entrypoint = execForm(final.findLast((i) => i.keyword === "ENTRYPOINT")?.args ?? "");
    const cmd = execForm(final.findLast((i) => i.keyword === "CMD")?.args ?? "");
    const pkg = JSON.parse(await readRepoFile("package.json")) as { bin: Record<string, string> };
    // node, its flags, then the CLI.
    expect(entrypoint?.[0]).toBe("node");
    expect(entrypoint?.at(-1)).toBe(pkg.bin["warranty-hub"]);
    expect(entrypoint?.slice(1, -1).every((arg) => arg.startsWith("--"))).toBe(true);
    expect(cmd?.[0]).toBe("start");
    expect([...SERVICES, "all"]).toContain(cmd?.[1]);
  });

  it("copies only files that exist, and the build context lets exactly those in", async () => {
    const { stages } = await load();
    const sources = stages
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === "COPY" && !i.args.includes("--from="))
      .flatMap((i) => i.args.split(/\s+/).filter((a) => !a.startsWith("--")).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(repoPath(source)), source).toBe(true);
    const ignore = (await readRepoFile("infra/docker/Dockerfile.dockerignore")).split("\n").map((l) => l.trim());
    expect(ignore.find((l) => l !== "" && !l.startsWith("#"))).toBe("*");
    const allowed = ignore.filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/\/$/, ""));
    expect(new Set(sources.map((s) => s.replace(/\/$/, "")))).toEqual(new Set(allowed));
    expect(ignore).toContain("**/node_modules");
  });
});
