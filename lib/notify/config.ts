import type { EnvReader } from "../config/index.ts";

/** Where notifications go; no URL set means nobody is notified (and the notifier says so once). */
export interface NotifyConfig {
  /** NOTIFY_WEBHOOK_URL: receives the generic JSON body. */
  readonly webhookUrl: string | undefined;
  /** NOTIFY_SLACK_WEBHOOK_URL: receives the Slack-compatible body. */
  readonly slackWebhookUrl: string | undefined;
  /** NOTIFY_ENVIRONMENT: named in every message, so staging is never mistaken for production. */
  readonly environment: string;
  /** NOTIFY_TIMEOUT_MS: longest one delivery attempt may take. */
  readonly timeoutMs: number;
}

/** Reads the notifier's variables into `env`'s problem list. */
export function readNotifyConfig(env: EnvReader): NotifyConfig {
  return {
    webhookUrl: env.optionalUrl("NOTIFY_WEBHOOK_URL", ["http", "https"]),
    slackWebhookUrl: env.optionalUrl("NOTIFY_SLACK_WEBHOOK_URL", ["http", "https"]),
    environment: env.string("NOTIFY_ENVIRONMENT", "local"),
    timeoutMs: env.integer("NOTIFY_TIMEOUT_MS", 5000, { min: 100, max: 60_000 }),
  };
}
