import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { AppError } from "../../../lib/errors/index.ts";

/** The repository root, whatever directory vitest was started from. */
export const REPO_ROOT = resolve(import.meta.dirname, "../../..");

/** Absolute path of a file given relative to the repository root. */
export function repoPath(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}

/** Reads a repository file as UTF-8. */
export function readRepoFile(...parts: string[]): Promise<string> {
  return readFile(repoPath(...parts), "utf8");
}

/** Repository-relative paths of the files under `dir` whose names end with `suffix`. */
export async function listRepoFiles(dir: string, suffix: string): Promise<string[]> {
  const entries = await readdir(repoPath(dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(suffix))
    .map((e) => relative(REPO_ROOT, join(e.parentPath, e.name)))
    .sort();
}

/** Parses every document of a YAML stream, failing on the first syntax error. */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) {
      throw new AppError("YAML_INVALID", `${source}: ${doc.errors.map((e) => e.message).join("; ")}`);
    }
    const value: unknown = doc.toJS();
    return value === null || value === undefined ? [] : [value];
  });
}

/** What a finished external command left behind. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a tool (promtool, shellcheck, bash) and returns its exit code and output instead of
 * throwing, so a test can show the tool's own message. A missing tool is an error that names
 * the script that `npm test` installs it with.
 */
export function runTool(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd ?? REPO_ROOT, env: { PATH: process.env.PATH ?? "", ...options.env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === "ENOENT") {
          reject(new AppError("TOOL_MISSING", `${file} is not installed (npm test installs it: scripts/test-services.sh)`, { cause: error }));
          return;
        }
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
    if (options.input === undefined) child.stdin?.end();
    else child.stdin?.end(options.input);
  });
}
