/**
 * An in-memory double of the Service Bus topic surface broadcasts use (lib/bus
 * `ServiceBusTopics`): topics, one subscription per instance, a sender whose message is
 * copied into every subscription that exists at send time, and receive-and-delete receivers
 * that hand messages to `subscribe` handlers one at a time, in order. Like the service,
 * sending to a topic that does not exist throws `MessagingEntityNotFound`, creating one that
 * does throws `MessageEntityAlreadyExistsError`, and a subscription created after a send
 * never sees that message.
 *
 * Not modelled: filters and rules, sessions, peek-lock on subscriptions, auto-delete on idle
 * (deleting is explicit here), forwarding, size limits, transient faults.
 */
import { ServiceBusError } from "@azure/service-bus";
import type { MessageHandlers, ServiceBusMessage, ServiceBusReceivedMessage } from "@azure/service-bus";
import type { ServiceBusTopics } from "../../lib/bus/index.ts";

interface Subscription {
  readonly buffer: ServiceBusMessage[];
  handlers: MessageHandlers | undefined;
  pumping: boolean;
}

/** Topics and subscriptions held in memory; `subscriptionsOf` lets tests see what is left behind. */
export interface ServiceBusTopicsDouble extends ServiceBusTopics {
  subscriptionsOf(topic: string): string[];
}

function notFound(what: string): ServiceBusError {
  return new ServiceBusError(`${what} does not exist`, "MessagingEntityNotFound");
}

/** What the administration client throws: a RestError with status 409, not a ServiceBusError. */
function exists(what: string): Error {
  return Object.assign(new Error(`${what} already exists`), { name: "RestError", statusCode: 409, code: "MessageEntityAlreadyExistsError" });
}

/** Creates an empty namespace of topics. */
export function createServiceBusTopicsDouble(): ServiceBusTopicsDouble {
  const topics = new Map<string, Map<string, Subscription>>();
  const topic = (name: string) => {
    const found = topics.get(name);
    if (found === undefined) throw notFound(`topic ${name}`);
    return found;
  };
  const pump = async (subscription: Subscription) => {
    if (subscription.pumping) return;
    subscription.pumping = true;
    try {
      for (;;) {
        const handlers = subscription.handlers;
        const next = handlers && subscription.buffer.shift();
        if (!handlers || next === undefined) return;
        const received = { ...next, messageId: next.messageId ?? String(Math.random()) } as unknown as ServiceBusReceivedMessage;
        await handlers.processMessage(received).catch((error: unknown) =>
          handlers.processError({ error: error as Error, errorSource: "processMessageCallback", entityPath: "", fullyQualifiedNamespace: "double", identifier: "double" }),
        );
      }
    } finally {
      subscription.pumping = false;
    }
  };
  return {
    subscriptionsOf: (name) => [...(topics.get(name)?.keys() ?? [])],
    admin: {
      topicExists: (name) => Promise.resolve(topics.has(name)),
      createTopic(name) {
        if (topics.has(name)) return Promise.reject(exists(`topic ${name}`));
        topics.set(name, new Map());
        return Promise.resolve({ name });
      },
      subscriptionExists: (name, sub) => Promise.resolve(topics.get(name)?.has(sub) === true),
      async createSubscription(name, sub) {
        const subscriptions = topic(name);
        if (subscriptions.has(sub)) throw exists(`subscription ${sub}`);
        subscriptions.set(sub, { buffer: [], handlers: undefined, pumping: false });
        return Promise.resolve({ topicName: name, subscriptionName: sub });
      },
      async deleteSubscription(name, sub) {
        if (!topic(name).delete(sub)) throw notFound(`subscription ${sub}`);
        return Promise.resolve({});
      },
    },
    client: {
      createSender: (name) => ({
        async sendMessages(messages) {
          const subscriptions = topic(name);
          const list = (Array.isArray(messages) ? messages : [messages]) as ServiceBusMessage[];
          for (const subscription of subscriptions.values()) {
            subscription.buffer.push(...list.map((m) => ({ ...m })));
            void pump(subscription);
          }
          return Promise.resolve();
        },
        close: () => Promise.resolve(),
      }),
      createReceiver: (name, sub) => ({
        subscribe(handlers) {
          const subscription = topic(name).get(sub);
          if (subscription === undefined) throw notFound(`subscription ${sub}`);
          subscription.handlers = handlers;
          void pump(subscription);
          return {
            close() {
              subscription.handlers = undefined;
              return Promise.resolve();
            },
          };
        },
        close: () => Promise.resolve(),
      }),
    },
  };
}
