import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../../lib/embedded/index.ts";
import { createTestDatabase } from "../support/database.ts";
import type { TestDatabase } from "../support/database.ts";
import { deleteQueues } from "../support/amqp.ts";
import { uniquePrefix } from "../support/bus.ts";
import { logLines, runScript } from "../support/process.ts";
import type { RunningChild } from "../support/process.ts";
import { waitFor } from "../support/wait.ts";

/** True once the process answers ready; throws at once if it exited instead, with its output. */
async function ready(port: number, run: RunningChild): Promise<boolean> {
  if (run.child.exitCode !== null) {
    throw new Error(`exited with ${run.child.exitCode} before it was ready:\n${run.stderr()}\n${run.stdout()}`);
  }
  try {
    return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
  } catch {
    return false;
  }
}

async function stop(run: RunningChild): Promise<number> {
  run.child.kill("SIGTERM");
  return run.exited;
}

describe("a process started from the CLI", () => {
  let dataDir: string;

  beforeAll(async () => {
    // Private (mode 700), as a newcomer's clone under their home or `mktemp -d` would be.
    dataDir = await mkdtemp(join(tmpdir(), "wh-process-"));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("refuses bad configuration, naming every bad variable, with a non-zero exit", async () => {
    const run = runScript("bin/warranty-hub.ts", ["start", "all"], {
      PORT: "abc",
      AMQP_URL: "http://broker",
      LOG_LEVEL: "loud",
      RETRY_BASE_MS: "10",
      RETRY_MAX_MS: "5",
      JWT_SECRET: "short",
      DATA_DIR: dataDir,
    });
    expect(await run.exited).toBe(2);
    const message = run.stderr();
    for (const name of ["PORT", "AMQP_URL", "LOG_LEVEL", "RETRY_MAX_MS", "JWT_SECRET"]) {
      expect(message).toContain(name);
    }
  });

  it("says in one line, without a stack trace, why it cannot start", async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const address = squatter.address();
    const taken = typeof address === "object" && address !== null ? address.port : 0;
    try {
      const run = runScript("bin/warranty-hub.ts", ["start", "all"], {
        DATA_DIR: join(dataDir, "refused"),
        PORT: String(await freePort()),
        EMBEDDED_PG_PORT: String(taken),
      });
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toBe(
        `could not start: port ${taken} on 127.0.0.1 is already in use; set EMBEDDED_PG_PORT to a free port [EMBEDDED_POSTGRES_START_FAILED]\n`,
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it("runs everything on embedded defaults with no connection settings, then drains on SIGTERM", { timeout: 150_000 }, async () => {
    const [port, pgPort, azuritePort] = [await freePort(), await freePort(), await freePort()];
    const run = runScript("bin/warranty-hub.ts", ["start", "all"], {
      DATA_DIR: join(dataDir, "embedded"),
      PORT: String(port),
      EMBEDDED_PG_PORT: String(pgPort),
      AZURITE_PORT: String(azuritePort),
    });
    await waitFor(() => ready(port, run), { timeoutMs: 120_000, what: "embedded start" });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/health_check_status\{check="database"\} 1/);
    const started = await waitFor(() => logLines(run.stdout()).find((l) => l.msg === "started"), { what: "started line" });
    expect(started).toMatchObject({ bus: "postgres" });
    expect(run.stderr()).toContain("npx warranty-hub token");
    expect(await stop(run)).toBe(0);
  });

  describe("against external services", () => {
    let database: TestDatabase;
    const prefix = uniquePrefix();

    beforeAll(async () => {
      database = await createTestDatabase();
    });

    afterAll(async () => {
      // Whatever queues the processes declared under this run's prefix.
      await deleteQueues(inject("amqpUrl"), ["registration", "import-chunk", "ocr", "chat"].map((q) => `${prefix}${q}`));
      await database.drop();
    });

    function externalEnv(extra: Record<string, string>): Record<string, string> {
      return {
        DATABASE_URL: database.url,
        AMQP_URL: inject("amqpUrl"),
        AZURE_STORAGE_CONNECTION_STRING: inject("storageConnectionString"),
        QUEUE_PREFIX: prefix,
        DATA_DIR: join(dataDir, "external"),
        ...extra,
      };
    }

    it("uses RabbitMQ when AMQP_URL is set", async () => {
      const port = await freePort();
      const run = runScript("bin/warranty-hub.ts", ["start", "all"], externalEnv({ PORT: String(port) }));
      await waitFor(() => ready(port, run), { timeoutMs: 50_000, what: "start with AMQP_URL" });
      const started = await waitFor(() => logLines(run.stdout()).find((l) => l.msg === "started"), { what: "started line" });
      expect(started).toMatchObject({ bus: "amqp" });
      expect(await stop(run)).toBe(0);
    });

    it("runs one worker as its own process with /metrics and /health on METRICS_PORT", async () => {
      const metricsPort = await freePort();
      const run = runScript("services/ingest/main.ts", [], externalEnv({ METRICS_PORT: String(metricsPort) }));
      await waitFor(() => ready(metricsPort, run), { timeoutMs: 50_000, what: "ingest worker" });
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toContain("messages_handled_total");
      expect(await stop(run)).toBe(0);
      expect(logLines(run.stdout()).some((l) => l.msg === "stopped")).toBe(true);
    });
  });
});
