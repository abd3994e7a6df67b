/** What the notifier tells people about: the moments of the runbooks someone must know of. */
export const NOTIFY_EVENTS = ["deploy", "rollback", "flag-change", "restore-start", "restore-end", "backup-failure"] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** How the step being reported ended, or that it began. */
export const NOTIFY_STATUSES = ["started", "succeeded", "failed"] as const;
export type NotifyStatus = (typeof NOTIFY_STATUSES)[number];

/** One notification as a caller builds it; the notifier adds where and when. */
export interface Notification {
  readonly event: NotifyEvent;
  readonly status: NotifyStatus;
  /** One line a person reads first, such as "rollback of DataTransformationFeature succeeded". */
  readonly summary: string;
  /** Who did it: the operator, the token subject, or `system` for the schedule. */
  readonly actor: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /** Named links, such as the workflow run or the dashboard. */
  readonly links?: Readonly<Record<string, string>>;
}

/** A notification as sent: the caller's fields plus environment, version and time. */
export interface SentNotification extends Notification {
  readonly environment: string;
  readonly version: string;
  readonly at: string;
}

const ICONS: Readonly<Record<NotifyStatus, string>> = { started: ":hourglass_flowing_sand:", succeeded: ":white_check_mark:", failed: ":x:" };

/** The generic JSON body: every field, flat, for any webhook consumer (status pages, chat bots). */
export function genericBody(sent: SentNotification): Record<string, unknown> {
  return {
    source: "warranty-hub",
    event: sent.event,
    status: sent.status,
    summary: sent.summary,
    actor: sent.actor,
    environment: sent.environment,
    version: sent.version,
    at: sent.at,
    details: sent.details ?? {},
    links: sent.links ?? {},
  };
}

/**
 * A Slack incoming-webhook body: `text` for notifications and clients without blocks, and
 * blocks with the summary, the facts and the links. Mattermost and Teams' Slack-compatible
 * webhooks read the same shape.
 */
export function slackBody(sent: SentNotification): Record<string, unknown> {
  const text = `${ICONS[sent.status]} [${sent.environment}] ${sent.summary}`;
  const facts = [`*event* ${sent.event}`, `*status* ${sent.status}`, `*by* ${sent.actor}`, `*version* ${sent.version}`, `*at* ${sent.at}`];
  const details = Object.entries(sent.details ?? {}).map(([key, value]) => `*${key}* ${typeof value === "string" ? value : JSON.stringify(value)}`);
  const links = Object.entries(sent.links ?? {}).map(([name, url]) => `<${url}|${name}>`);
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text } },
      { type: "context", elements: [{ type: "mrkdwn", text: [...facts, ...details].join("  ·  ") }] },
      ...(links.length > 0 ? [{ type: "section", text: { type: "mrkdwn", text: links.join("  ·  ") } }] : []),
    ],
  };
}
