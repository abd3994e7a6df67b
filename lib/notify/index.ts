/**
 * Telling people about operational moments (backups, restores, rollbacks): what an event says,
 * its Slack and generic webhook bodies, and the notifier that delivers it.
 */

export type { NotifyConfig } from "./config.ts";
export { readNotifyConfig } from "./config.ts";
export type { Notification, NotifyEvent, NotifyStatus, SentNotification } from "./events.ts";
export { NOTIFY_EVENTS, NOTIFY_STATUSES, genericBody, slackBody } from "./events.ts";
export type { Delivery, Notifier, NotifierOptions } from "./notifier.ts";
export { createNotifier } from "./notifier.ts";
export { backupFailureNotices } from "./backup.ts";
