import { describe, expect, it } from "vitest";
import { createMetrics } from "../../lib/metrics/index.ts";

/** The value of one sample line, such as `name{a="b"} 3`, or undefined when it is absent. */
function sample(body: string, series: string): number | undefined {
  const line = body.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("metrics", () => {
  it("keeps each instance's metrics in its own registry, with default process metrics", async () => {
    const a = createMetrics({ prefix: "wh_" });
    const b = createMetrics({ prefix: "wh_" });
    a.httpRequestDuration.observe({ method: "GET", route: "/x", status: "200" }, 0.1);
    const { contentType, body } = await a.render();
    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain("wh_process_cpu_user_seconds_total");
    expect(body).toContain("wh_nodejs_eventloop_lag_seconds");
    expect(sample(body, 'wh_http_request_duration_seconds_count{method="GET",route="/x",status="200"}')).toBe(1);
    const other = (await b.render()).body;
    expect(sample(other, 'wh_http_request_duration_seconds_count{method="GET",route="/x",status="200"}')).toBeUndefined();
  });

  it("has a 500 ms bucket boundary for the P95 latency alert", async () => {
    const metrics = createMetrics();
    metrics.httpRequestDuration.observe({ method: "GET", route: "/x", status: "200" }, 0.45);
    metrics.httpRequestDuration.observe({ method: "GET", route: "/x", status: "200" }, 0.55);
    const { body } = await metrics.render();
    expect(sample(body, 'http_request_duration_seconds_bucket{le="0.5",method="GET",route="/x",status="200"}')).toBe(1);
    expect(sample(body, 'http_request_duration_seconds_bucket{le="0.75",method="GET",route="/x",status="200"}')).toBe(2);
  });

  it("counts every bus outcome per queue and times handling", async () => {
    const metrics = createMetrics();
    const observer = metrics.busObserver;
    observer.outcome("registration", "handled", 0.02);
    observer.outcome("registration", "handled", 0.03);
    observer.outcome("registration", "failed", 0.5);
    observer.outcome("registration", "retried", 0.5);
    observer.outcome("ocr", "failed", 1);
    observer.outcome("ocr", "dead_lettered", 1);
    const { body } = await metrics.render();
    expect(sample(body, 'messages_handled_total{queue="registration"}')).toBe(2);
    expect(sample(body, 'messages_failed_total{queue="registration"}')).toBe(1);
    expect(sample(body, 'messages_retried_total{queue="registration"}')).toBe(1);
    expect(sample(body, 'messages_failed_total{queue="ocr"}')).toBe(1);
    expect(sample(body, 'messages_dead_lettered_total{queue="ocr"}')).toBe(1);
    expect(sample(body, 'messages_dead_lettered_total{queue="registration"}')).toBeUndefined();
    expect(sample(body, 'message_handling_duration_seconds_count{queue="registration",outcome="handled"}')).toBe(2);
    expect(sample(body, 'message_handling_duration_seconds_sum{queue="registration",outcome="handled"}')).toBeCloseTo(0.05);
  });

  it("reads queue depth on every scrape and reports none for a queue it cannot read", async () => {
    const metrics = createMetrics({ depthTimeoutMs: 200 });
    let ready = 3;
    metrics.watchQueueDepth(["registration", "ocr"], (queue) =>
      queue === "ocr" ? Promise.reject(new Error("broker down")) : Promise.resolve({ ready, deadLettered: 1 }),
    );
    metrics.watchQueueDepth(["import-chunk"], () => new Promise(() => undefined));
    let body = (await metrics.render()).body;
    expect(sample(body, 'queue_depth{queue="registration",kind="ready"}')).toBe(3);
    expect(sample(body, 'queue_depth{queue="registration",kind="dead_lettered"}')).toBe(1);
    expect(body).not.toContain('queue_depth{queue="ocr"');
    expect(body).not.toContain('queue_depth{queue="import-chunk"');
    ready = 7;
    body = (await metrics.render()).body;
    expect(sample(body, 'queue_depth{queue="registration",kind="ready"}')).toBe(7);
    expect(sample(body, 'queue_depth_errors_total{queue="import-chunk"}')).toBeGreaterThanOrEqual(1);
    expect(sample(body, 'queue_depth_errors_total{queue="ocr"}')).toBeGreaterThanOrEqual(1);
  });
});
