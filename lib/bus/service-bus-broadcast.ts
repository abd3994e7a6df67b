import type { CreateSubscriptionOptions, ServiceBusReceiver, ServiceBusReceiverOptions, ServiceBusSender } from "@azure/service-bus";
import { describeError } from "../errors/index.ts";
import type { Logger } from "../log/index.ts";
import type { BroadcastCapability, TransportSubscription } from "./port.ts";
import { driverCall } from "./transport-kit.ts";

/** The topic side of `ServiceBusClient` broadcasts use; a real client is assignable to it. */
export interface ServiceBusTopicClientSurface {
  createSender(topicName: string): Pick<ServiceBusSender, "sendMessages" | "close">;
  createReceiver(
    topicName: string,
    subscriptionName: string,
    options?: ServiceBusReceiverOptions,
  ): Pick<ServiceBusReceiver, "subscribe" | "close">;
}

/** The topic side of `ServiceBusAdministrationClient`; a real admin client is assignable to it. */
export interface ServiceBusTopicAdminSurface {
  topicExists(topicName: string): Promise<boolean>;
  createTopic(topicName: string): Promise<unknown>;
  subscriptionExists(topicName: string, subscriptionName: string): Promise<boolean>;
  createSubscription(topicName: string, subscriptionName: string, options?: CreateSubscriptionOptions): Promise<unknown>;
  deleteSubscription(topicName: string, subscriptionName: string): Promise<unknown>;
}

/** Clients for topics and subscriptions. */
export interface ServiceBusTopics {
  readonly client: ServiceBusTopicClientSurface;
  readonly admin: ServiceBusTopicAdminSurface;
}

/** A subscription of a dead instance is removed by the service after this idle time (its minimum). */
const AUTO_DELETE_ON_IDLE = "PT5M";

/**
 * Fan-out over Service Bus: a topic per broadcast topic and a subscription per instance,
 * received in receive-and-delete mode (live delivery only) one message at a time, so order is kept.
 */
export function serviceBusBroadcast(topics: ServiceBusTopics, logger: Logger): BroadcastCapability & { close(): Promise<void> } {
  const senders = new Map<string, Pick<ServiceBusSender, "sendMessages" | "close">>();
  const ensured = new Map<string, Promise<void>>();
  const subscriptions = new Set<TransportSubscription>();
  const ensureTopic = (topic: string) => {
    let pending = ensured.get(topic);
    if (!pending) {
      pending = driverCall("service-bus", `create topic ${topic}`, async () => {
        if (await topics.admin.topicExists(topic)) return;
        await topics.admin.createTopic(topic).catch(ignoreExisting);
      });
      pending.catch(() => ensured.delete(topic));
      ensured.set(topic, pending);
    }
    return pending;
  };
  return {
    async broadcast(topic, body) {
      await ensureTopic(topic);
      let sender = senders.get(topic);
      if (!sender) senders.set(topic, (sender = topics.client.createSender(topic)));
      const send = sender;
      await driverCall("service-bus", "broadcast", () => send.sendMessages({ body, contentType: "application/json" }));
    },
    async subscribeBroadcast(topic, instanceId, onMessage) {
      await ensureTopic(topic);
      await driverCall("service-bus", `subscribe to ${topic}`, async () => {
        if (await topics.admin.subscriptionExists(topic, instanceId)) return;
        await topics.admin.createSubscription(topic, instanceId, { autoDeleteOnIdle: AUTO_DELETE_ON_IDLE }).catch(ignoreExisting);
      });
      const receiver = topics.client.createReceiver(topic, instanceId, { receiveMode: "receiveAndDelete" });
      const running = receiver.subscribe(
        {
          processMessage: (message) => Promise.resolve(onMessage(typeof message.body === "string" ? message.body : JSON.stringify(message.body))),
          processError: (args) => Promise.resolve(logger.warn({ err: describeError(args.error).message, topic }, "service bus broadcast receive failed")),
        },
        { maxConcurrentCalls: 1, autoCompleteMessages: false },
      );
      const subscription: TransportSubscription = {
        async close() {
          subscriptions.delete(subscription);
          await running.close();
          await receiver.close();
          await topics.admin.deleteSubscription(topic, instanceId).catch(() => undefined);
        },
      };
      subscriptions.add(subscription);
      return subscription;
    },
    async close() {
      await Promise.all([...subscriptions].map((s) => s.close()));
      await Promise.all([...senders.values()].map((s) => s.close()));
      senders.clear();
    },
  };
}

function ignoreExisting(error: unknown): void {
  // Another instance created it between our check and our create.
  if ((error as { code?: unknown }).code !== "MessageEntityAlreadyExistsError") throw error;
}
