import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMessageSchemas } from "../../lib/bus/index.ts";
import type { Bus, Envelope } from "../../lib/bus/index.ts";
import {
  MESSAGE_ROUTES,
  QUEUES,
  QUEUE_NAMES,
  TOPICS,
  broadcast,
  createMessage,
  handleQueue,
  handleTopic,
  publish,
} from "../../lib/messages/index.ts";
import type { Message, OcrRequested } from "../../lib/messages/index.ts";
import { createLogger } from "../../lib/log/index.ts";
import { rejectionOf } from "../support/errors.ts";

const SCHEMAS = join(import.meta.dirname, "../../schemas/messages");

const OCR: OcrRequested = { productId: "0b9c3f8e-54cf-4f7e-9d43-6f0f8a0f1c11", invoiceBlob: "a/b.pdf", contentType: "application/pdf" };

/** A bus that records what it was given. */
function recordingBus() {
  const sent: { kind: "publish" | "broadcast"; to: string; message: Envelope }[] = [];
  const bus: Pick<Bus, "publish" | "broadcast"> = {
    publish: async (queue, message) => void sent.push({ kind: "publish", to: queue, message }),
    broadcast: async (topic, message) => void sent.push({ kind: "broadcast", to: topic, message }),
  };
  return { bus, sent };
}

const ctx = { logger: createLogger({ level: "silent" }), signal: new AbortController().signal, attempt: 1, queue: QUEUES.ocr };

describe("the message catalogue", () => {
  it("routes exactly the message types that have a schema in schemas/messages", async () => {
    const schemaTypes = new Set((await loadMessageSchemas(SCHEMAS)).map((s) => s.type));
    expect(new Set(Object.keys(MESSAGE_ROUTES))).toEqual(schemaTypes);
  });

  it("lists every queue once, and each queue and topic carries at least one message type", () => {
    expect(new Set(QUEUE_NAMES).size).toBe(QUEUE_NAMES.length);
    const used = Object.values(MESSAGE_ROUTES).map((route) => ("queue" in route ? route.queue : route.topic));
    for (const channel of [...QUEUE_NAMES, ...Object.values(TOPICS)]) expect(used).toContain(channel);
  });

  it("publishes to the queue and broadcasts on the topic the catalogue names", async () => {
    const { bus, sent } = recordingBus();
    await publish(bus, "ocr.requested", OCR, { correlationId: "c-1" });
    await broadcast(bus, "chat.participants-changed", { serviceRequestId: OCR.productId, customerId: "u", technicianId: null });
    expect(sent.map((s) => [s.kind, s.to, s.message.type])).toEqual([
      ["publish", "ocr", "ocr.requested"],
      ["broadcast", "chat-fanout", "chat.participants-changed"],
    ]);
    expect(sent[0]?.message).toMatchObject({ version: 1, correlationId: "c-1", payload: OCR });
  });

  it("refuses the wrong payload, or a broadcast type on a queue, at compile time", async () => {
    const { bus } = recordingBus();
    // @ts-expect-error ocr.requested has no registrationId and needs productId
    await publish(bus, "ocr.requested", { registrationId: "r" });
    // @ts-expect-error contentType is one of the invoice types
    await publish(bus, "ocr.requested", { ...OCR, contentType: "text/plain" });
    // @ts-expect-error chat.stored is broadcast, never queued
    await publish(bus, "chat.stored", { outcome: "stored" });
    // @ts-expect-error not a catalogued message type
    createMessage("ocr.request", OCR);
  });

  it("hands a queue handler its own types typed, and dead-letters any other type", async () => {
    const seen: string[] = [];
    const handler = handleQueue(QUEUES.ocr, async (message) => {
      const typed: Message<"ocr.requested"> = message;
      seen.push(typed.payload.productId);
    });
    await handler(createMessage("ocr.requested", OCR), ctx);
    expect(seen).toEqual([OCR.productId]);
    const stray = createMessage("import.finalise", { jobId: OCR.productId });
    const error = await rejectionOf(handler(stray, ctx));
    expect([error.code, error.retryable]).toEqual(["MESSAGE_TYPE_UNEXPECTED", false]);
  });

  it("narrows a topic handler by type and ignores types the topic does not carry", () => {
    const seen: string[] = [];
    const handler = handleTopic(TOPICS.chatFanout, (message) => {
      seen.push(message.type === "chat.stored" ? message.payload.outcome : message.payload.customerId);
    });
    handler(createMessage("chat.participants-changed", { serviceRequestId: OCR.productId, customerId: "c", technicianId: null }));
    handler(createMessage("ocr.requested", OCR));
    expect(seen).toEqual(["c"]);
  });
});
