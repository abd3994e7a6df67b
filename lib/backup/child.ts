import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { AppError } from "../errors/index.ts";
import type { PgTool } from "./tools.ts";

/** A running pg_dump/pg_restore: its pipes and a promise of a clean exit. */
export interface RunningTool {
  readonly stdin: Writable;
  readonly stdout: Readable;
  /** Resolves on exit code 0; rejects with `code` and the tail of stderr otherwise. */
  readonly done: Promise<void>;
  /** Ends the program (SIGTERM); `done` then rejects. */
  kill(): void;
}

const STDERR_TAIL_BYTES = 4096;

/**
 * Starts `tool` against the database at `url`. The password travels in PGPASSWORD, not on
 * the command line, so it does not show in `ps` output.
 */
export function startTool(tool: PgTool, args: readonly string[], url: string, code: string): RunningTool {
  const { dbname, password } = splitPassword(url);
  const child = spawn(tool.path, [...args, `--dbname=${dbname}`], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...(password === undefined ? {} : { PGPASSWORD: password }) },
  });
  return wrap(child, tool, code);
}

/** Starts `tool` with no database, e.g. `pg_restore --list` reading an archive on stdin. */
export function startOffline(tool: PgTool, args: readonly string[], code: string): RunningTool {
  return wrap(spawn(tool.path, [...args], { stdio: ["pipe", "pipe", "pipe"] }), tool, code);
}

/** The URL without its password (libpq accepts URLs as `--dbname`) and the password apart. */
export function splitPassword(url: string): { dbname: string; password: string | undefined } {
  const parsed = new URL(url);
  const password = parsed.password === "" ? undefined : decodeURIComponent(parsed.password);
  parsed.password = "";
  return { dbname: parsed.toString(), password };
}

function wrap(child: ChildProcess, tool: PgTool, code: string): RunningTool {
  const { stdin, stdout, stderr } = child;
  if (!stdin || !stdout || !stderr) throw new AppError(code, `${tool.path} started without pipes`);
  let tail = "";
  stderr.setEncoding("utf8");
  stderr.on("data", (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_TAIL_BYTES);
  });
  // A program that exits early closes its stdin; the caller sees that through `done`.
  stdin.on("error", () => undefined);
  const done = new Promise<void>((resolve, reject) => {
    child.once("error", (error) =>
      reject(new AppError(code, `${tool.path} could not start: ${error.message}`, { cause: error })),
    );
    child.once("close", (exitCode, signal) => {
      if (exitCode === 0) return resolve();
      const how = signal ? `was killed by ${signal}` : `exited with ${String(exitCode)}`;
      reject(new AppError(code, `${tool.path} ${how}: ${tail.trim()}`, { details: { exitCode, signal, stderr: tail } }));
    });
  });
  return { stdin, stdout, done, kill: () => void child.kill("SIGTERM") };
}

/**
 * Copies `source` into `sink` (a program's stdin) while hashing every byte. When the
 * program stops reading early (`pg_restore --list` only needs the table of contents), the
 * rest is still read and hashed, so the checksum always covers the whole blob.
 */
export async function hashInto(source: Readable, sink: Writable): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
    if (sink.destroyed || sink.writableEnded) continue;
    if (!sink.write(chunk)) await drained(sink);
  }
  if (!sink.destroyed && !sink.writableEnded) sink.end();
  return { sha256: hash.digest("hex"), size };
}

function drained(sink: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sink.off("drain", done);
      sink.off("close", done);
      resolve();
    };
    sink.on("drain", done);
    sink.on("close", done);
  });
}

/**
 * Feeds `source` to `tool` (see {@link hashInto}) and waits for both. Whichever fails first
 * stops the other: a dead program stops the download, a broken download ends the program.
 */
export async function feedTool(source: Readable, tool: RunningTool): Promise<{ sha256: string; size: number }> {
  const hashing = hashInto(source, tool.stdin);
  hashing.catch(() => tool.kill());
  try {
    await tool.done;
  } catch (error) {
    source.destroy();
    await hashing.catch(() => undefined);
    throw error;
  }
  return hashing;
}
