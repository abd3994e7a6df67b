import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { createTokenSigner, loadOrCreateSecret } from "../../lib/auth/index.ts";
import type { PlatformConfig } from "../../lib/config/index.ts";
import { findRunningInstance } from "../../lib/runtime/index.ts";
import { readCliConfig } from "./cli-config.ts";
import type { ImportErrorPage, ImportJobView } from "../../lib/imports/index.ts";
import type { Command } from "../cli.ts";

/** Where `npm start` serves the API unless told otherwise. */
const DEFAULT_URL = "http://127.0.0.1:3000";

/**
 * `import FILE [--dry-run] [--max-invalid-percent N] [--url URL] [--token T]`: streams the CSV
 * to the API (`--url`, else WH_URL, else the one the instance running in DATA_DIR serves),
 * shows progress from the job's event stream, prints the report. Exit code 0 when the job
 * succeeded, 1 when it failed, 2 on bad usage.
 */
export const importCommand: Command = async (args, env) => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "dry-run": { type: "boolean", default: false },
      "max-invalid-percent": { type: "string", default: "0" },
      url: { type: "string" },
      token: { type: "string" },
    },
  });
  const file = positionals[0];
  const percent = Number(values["max-invalid-percent"]);
  if (file === undefined || positionals.length > 1 || !(percent >= 0 && percent <= 100)) {
    process.stderr.write("usage: warranty-hub import FILE [--dry-run] [--max-invalid-percent 0-100] [--url URL] [--token T]\n");
    return 2;
  }
  const config = readCliConfig(env);
  if (!config) return 2;
  const token = values.token ?? env.WH_TOKEN ?? (await devToken(config));
  const url = values.url ?? env.WH_URL ?? (await findRunningInstance(config.dataDir))?.urls.api ?? DEFAULT_URL;
  const base = url.replace(/\/+$/, "");
  const auth = { authorization: `Bearer ${token}` };
  const id = await upload(base, auth, file, values["dry-run"], percent);
  if (id === undefined) return 1;
  process.stderr.write(`import ${id} accepted (${values["dry-run"] ? "dry run" : "commit"})\n`);
  const job = await follow(base, auth, id);
  await printReport(base, auth, job);
  return job.status === "succeeded" ? 0 : 1;
};

/** A super-admin token signed with the local secret, as `token --role super_admin` would mint. */
async function devToken(config: PlatformConfig): Promise<string> {
  const secret = config.jwtSecret ?? (await loadOrCreateSecret(config.dataDir));
  return createTokenSigner(secret)({ subject: "cli-import", role: "super_admin", expiresIn: "1h" });
}

async function upload(base: string, auth: Record<string, string>, file: string, dryRun: boolean, percent: number) {
  const size = (await stat(file)).size;
  const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
  const response = await fetch(`${base}/api/v1/imports?dryRun=${dryRun}&maxInvalidPercent=${percent}`, {
    method: "POST",
    headers: { ...auth, "content-type": "text/csv", "content-length": String(size) },
    body,
    duplex: "half",
  } as RequestInit);
  if (response.status === 202) return ((await response.json()) as { id: string }).id;
  const text = await response.text();
  let message = text;
  try {
    const error = (JSON.parse(text) as { error: { code: string; message: string } }).error;
    message = `${error.code}: ${error.message}`;
  } catch {
    // Not our error body; print it as it came.
  }
  process.stderr.write(`upload refused (HTTP ${response.status}) ${message}\n`);
  return undefined;
}

/** Reads the job's server-sent events until it ends, drawing a progress bar on stderr. */
async function follow(base: string, auth: Record<string, string>, id: string): Promise<ImportJobView> {
  const response = await fetch(`${base}/api/v1/imports/${id}/events`, { headers: { ...auth, accept: "text/event-stream" } });
  let last: ImportJobView | undefined;
  let pending = "";
  const decoder = new TextDecoder();
  for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(piece, { stream: true });
    const blocks = pending.split("\n\n");
    pending = blocks.pop() ?? "";
    for (const block of blocks) {
      const data = block.split("\n").find((line) => line.startsWith("data: "));
      if (data === undefined) continue;
      last = JSON.parse(data.slice(6)) as ImportJobView;
      drawProgress(last);
    }
  }
  process.stderr.write("\n");
  if (last === undefined || (last.status !== "succeeded" && last.status !== "failed")) {
    const again = await fetch(`${base}/api/v1/imports/${id}`, { headers: auth });
    return (await again.json()) as ImportJobView;
  }
  return last;
}

function drawProgress(job: ImportJobView): void {
  const { chunksDone, chunksTotal } = job.progress;
  const width = 30;
  const share = chunksTotal ? chunksDone / chunksTotal : 0;
  const bar = "#".repeat(Math.round(share * width)).padEnd(width, "-");
  const of = chunksTotal === null ? "?" : String(chunksTotal);
  process.stderr.write(`\r[${bar}] ${chunksDone}/${of} chunks, ${job.counts.total} rows checked, ${job.status}   `);
}

async function printReport(base: string, auth: Record<string, string>, job: ImportJobView): Promise<void> {
  const c = job.counts;
  const verb = job.dryRun ? "would insert" : "inserted";
  const lines = [
    `import ${job.id}: ${job.status}${job.dryRun ? " (dry run)" : ""}`,
    `rows: ${c.total} total, ${c.valid} valid, ${c.invalid} invalid`,
    `${verb} ${c.inserted}, ${job.dryRun ? "would update" : "updated"} ${c.updated}`,
  ];
  if (job.error) lines.push(`error: ${job.error.code}: ${job.error.message}`);
  if (c.invalid > 0) {
    const page = (await (await fetch(`${base}/api/v1/imports/${job.id}/errors?limit=20`, { headers: auth })).json()) as ImportErrorPage;
    lines.push("first errors (row, line, column: message):");
    for (const e of page.items) lines.push(`  row ${e.row}, line ${e.line}, ${e.column ?? "row"}: ${e.message} [${e.code}]`);
    lines.push(`failed rows as CSV: ${base}/api/v1/imports/${job.id}/errors.csv`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}
