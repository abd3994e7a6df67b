import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, inject, it } from "vitest";
import { waitFor } from "../support/wait.ts";
import { createHarness, csv } from "./support/harness.ts";
import type { Harness, TransportKind } from "./support/harness.ts";

const WORKER = fileURLToPath(new URL("./support/import-worker.ts", import.meta.url));

interface Worker {
  readonly child: ChildProcess;
  readonly events: Array<{ event: string; chunkNo?: number }>;
  readonly stderr: string[];
}

const cases: Array<[TransportKind, "in-transaction" | "after-commit"]> = [
  ["postgres", "in-transaction"],
  ["postgres", "after-commit"],
  ["amqp", "in-transaction"],
  ["amqp", "after-commit"],
];

describe("a worker SIGKILLed mid-chunk", () => {
  let h: Harness | undefined;
  const workers: Worker[] = [];

  afterEach(async () => {
    for (const { child } of workers.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await once(child, "exit");
      }
    }
    await h?.stop();
  });

  function start(harness: Harness, kind: TransportKind, phase: string): Worker {
    const child = spawn(process.execPath, [WORKER], {
      env: {
        ...process.env,
        TRANSPORT: kind,
        DATABASE_URL: harness.db.url,
        AMQP_URL: inject("amqpUrl"),
        QUEUE_PREFIX: harness.prefix,
        STORAGE: inject("storageConnectionString"),
        CONTAINER_PREFIX: harness.containerPrefix,
        HOLD_PHASE: phase,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const worker: Worker = { child, events: [], stderr: [] };
    createInterface({ input: child.stdout }).on("line", (line) => worker.events.push(JSON.parse(line) as Worker["events"][number]));
    child.stderr.on("data", (chunk: Buffer) => worker.stderr.push(chunk.toString()));
    workers.push(worker);
    return worker;
  }

  function reported(worker: Worker, event: string) {
    if (worker.child.exitCode !== null) throw new Error(`worker exited early: ${worker.stderr.join("")}`);
    return worker.events.find((e) => e.event === event);
  }

  it.each(cases)("still ends with exact counts and no duplicate rows (%s, killed %s)", async (kind, phase) => {
    h = await createHarness(kind, { chunkBytes: 256 });
    await h.brand("Hooli");
    const admin = await h.token("super_admin");
    const first = start(h, kind, phase);
    await waitFor(() => reported(first, "ready"), { what: "first worker ready" });

    const rows = Array.from({ length: 60 }, (_, i) => `Hooli,H-${i},Model ${i},phones,12,,`);
    // The held chunk transaction has the job row locked, so the upload's last step waits for the kill.
    const uploading = h.upload(csv(rows), { dryRun: false, token: admin });
    await waitFor(() => reported(first, "holding"), { what: "first worker mid-chunk" });
    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    const response = await uploading;
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };

    start(h, kind, "none");
    const job = await h.waitEnded(id, admin);
    expect(job).toMatchObject({ status: "succeeded", counts: { total: 60, valid: 60, invalid: 0, inserted: 60, updated: 0 } });
    expect(job.progress.chunksDone).toBe(job.progress.chunksTotal);
    const { rows: models } = await h.db.pool.query<{ n: number; distinct: number }>(
      "select count(*)::int as n, count(distinct model_number)::int as distinct from product_models",
    );
    expect(models).toEqual([{ n: 60, distinct: 60 }]);
    const { rows: errors } = await h.db.pool.query("select 1 from import_errors");
    expect(errors).toEqual([]);
  });
});
