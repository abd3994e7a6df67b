import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createServer, connect } from "node:net";
import type { Socket } from "node:net";
import { AppError } from "../../../lib/errors/index.ts";
import { waitFor } from "../../support/wait.ts";

/** A monitoring daemon (Prometheus, Alertmanager) run for one test. */
export interface Daemon {
  readonly url: string;
  readonly output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts `file` from Debian's package `debianPackage` and waits until `<url>/-/ready` answers.
 * A missing binary fails at once, naming the package to install; it is never skipped.
 */
export async function startDaemon(file: string, args: readonly string[], url: string, debianPackage: string): Promise<Daemon> {
  const child: ChildProcess = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let missing: Error | undefined;
  child.on("error", (error: NodeJS.ErrnoException) => {
    missing = error.code === "ENOENT" ? new AppError("TOOL_MISSING", `${file} is not installed: apt-get install ${debianPackage}`, { cause: error }) : error;
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const daemon = {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
  try {
    await waitFor(
      async () => {
        if (missing) throw missing;
        if (child.exitCode !== null) throw new Error(`${file} exited with ${child.exitCode}:\n${output}`);
        return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `${file} to be ready` },
    );
  } catch (error) {
    await daemon.stop();
    throw error;
  }
  return daemon;
}

/**
 * A TCP proxy in front of a server: the system under test connects through it, and `cut()`
 * makes the server unreachable to that system alone (existing connections reset, new ones
 * refused) without touching the server other tests share.
 */
export interface TcpProxy {
  readonly port: number;
  cut(): Promise<void>;
}

/** Starts a proxy on a free port of 127.0.0.1 forwarding to `targetPort`. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    port,
    async cut() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
