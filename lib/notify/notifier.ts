import { describeError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import type { NotifyConfig } from "./config.ts";
import { genericBody, slackBody } from "./events.ts";
import type { Notification, SentNotification } from "./events.ts";

/** How one webhook took a notification. */
export interface Delivery {
  readonly target: "webhook" | "slack";
  readonly ok: boolean;
  readonly attempts: number;
  /** The last HTTP status or network error, when not ok. */
  readonly error?: string;
}

/** Sends notifications to every configured webhook. */
export interface Notifier {
  /**
   * Delivers to every target at once and never throws: a rollback or a restore must not fail
   * because a chat service is down. The result says what reached whom.
   */
  notify(notification: Notification): Promise<Delivery[]>;
}
export interface NotifierOptions {
  readonly config: NotifyConfig;
  /** The running build, named in every message. */
  readonly version: string;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** A 5xx or a network error may pass; a 4xx is the request's fault and is not repeated. */
const ATTEMPTS = 3;
const RETRY_DELAY_MS = 200;

/** Creates the notifier over the configured webhook URLs. */
export function createNotifier(options: NotifierOptions): Notifier {
  const { config, logger } = options;
  const targets = [
    ...(config.webhookUrl === undefined ? [] : [{ target: "webhook" as const, url: config.webhookUrl, body: genericBody }]),
    ...(config.slackWebhookUrl === undefined ? [] : [{ target: "slack" as const, url: config.slackWebhookUrl, body: slackBody }]),
  ];
  return {
    async notify(notification) {
      const sent: SentNotification = {
        ...notification,
        environment: config.environment,
        version: options.version,
        at: (options.now?.() ?? new Date()).toISOString(),
      };
      if (targets.length === 0) {
        logger.debug({ event: sent.event, status: sent.status }, "no notification webhook configured (NOTIFY_WEBHOOK_URL, NOTIFY_SLACK_WEBHOOK_URL)");
        return [];
      }
      const deliveries = await Promise.all(
        targets.map(async ({ target, url, body }) => ({ target, ...(await post(url, body(sent), config.timeoutMs)) })),
      );
      for (const delivery of deliveries) {
        if (delivery.ok) logger.info({ event: sent.event, status: sent.status, target: delivery.target }, "notification sent");
        else logger.warn({ event: sent.event, target: delivery.target, error: delivery.error, attempts: delivery.attempts }, "notification not delivered");
      }
      return deliveries;
    },
  };
}

async function post(url: string, body: unknown, timeoutMs: number): Promise<Omit<Delivery, "target">> {
  let error = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      if (response.ok) return { ok: true, attempts: attempt };
      error = `HTTP ${response.status}`;
      if (response.status < 500) return { ok: false, attempts: attempt, error };
    } catch (cause) {
      error = describeError(cause).message;
    }
    if (attempt < ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt));
  }
  return { ok: false, attempts: ATTEMPTS, error };
}
