import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/embedded/index.ts";
import { NOTIFY_EVENTS, createNotifier } from "../../lib/notify/index.ts";
import type { NotifyConfig } from "../../lib/notify/index.ts";
import { testLogger } from "../support/bus.ts";
import { startReceiver } from "./receiver.ts";
import type { Receiver } from "./receiver.ts";

const AT = new Date("2026-03-01T10:00:00.000Z");

describe("the notifier", () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  function notifier(config: Partial<NotifyConfig>) {
    return createNotifier({
      config: { webhookUrl: undefined, slackWebhookUrl: undefined, environment: "staging", timeoutMs: 2000, ...config },
      version: "v1.4.2",
      logger: testLogger(),
      now: () => AT,
    });
  }

  it("sends every event as a generic JSON body and a Slack-compatible body", async () => {
    const both = notifier({ webhookUrl: `${receiver.url}/generic`, slackWebhookUrl: `${receiver.url}/slack` });
    for (const event of NOTIFY_EVENTS) {
      receiver.received.length = 0;
      const deliveries = await both.notify({
        event,
        status: "succeeded",
        summary: `${event} done`,
        actor: "op-olga",
        details: { durationMs: 1234 },
        links: { run: "https://github.com/example/warranty-hub/actions/runs/1" },
      });
      expect(deliveries.map((d) => [d.target, d.ok, d.attempts]).sort()).toEqual([
        ["slack", true, 1],
        ["webhook", true, 1],
      ]);
      const generic = receiver.received.find((r) => r.path === "/generic");
      expect(generic?.contentType).toBe("application/json");
      expect(generic?.body).toEqual({
        source: "warranty-hub",
        event,
        status: "succeeded",
        summary: `${event} done`,
        actor: "op-olga",
        environment: "staging",
        version: "v1.4.2",
        at: AT.toISOString(),
        details: { durationMs: 1234 },
        links: { run: "https://github.com/example/warranty-hub/actions/runs/1" },
      });
      const slack = receiver.received.find((r) => r.path === "/slack")?.body as { text: string; blocks: Array<{ type: string }> };
      expect(slack.text).toBe(`:white_check_mark: [staging] ${event} done`);
      expect(slack.blocks.map((b) => b.type)).toEqual(["section", "context", "section"]);
      expect(JSON.stringify(slack.blocks)).toContain("<https://github.com/example/warranty-hub/actions/runs/1|run>");
      expect(JSON.stringify(slack.blocks)).toContain("*by* op-olga");
    }
  });

  it("retries a 5xx, gives up on a 4xx at once, and never throws when a receiver is down", async () => {
    const generic = notifier({ webhookUrl: `${receiver.url}/generic` });
    const message = { event: "rollback", status: "failed", summary: "rollback failed", actor: "ci" } as const;
    receiver.failNext(503);
    expect(await generic.notify(message)).toEqual([{ target: "webhook", ok: true, attempts: 2 }]);
    receiver.failNext(400);
    expect(await generic.notify(message)).toEqual([{ target: "webhook", ok: false, attempts: 1, error: "HTTP 400" }]);
    const down = notifier({ webhookUrl: `http://127.0.0.1:${await freePort()}/gone` });
    const [delivery] = await down.notify(message);
    expect(delivery).toMatchObject({ target: "webhook", ok: false, attempts: 3 });
  });

  it("sends nothing and says so when no URL is configured", async () => {
    expect(await notifier({}).notify({ event: "deploy", status: "started", summary: "deploy", actor: "ci" })).toEqual([]);
  });
});
