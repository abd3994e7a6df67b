import type { DeadLetterConsole } from "../../../lib/dead-letters/index.ts";
import { parseSelector } from "../../../lib/dead-letters/index.ts";
import type { SelectorInput } from "../../../lib/dead-letters/index.ts";
import { principalOf } from "../../../lib/http/index.ts";
import type { ValidInput } from "../../../lib/http/index.ts";
import type { RouteModule } from "../route-module.ts";

type QueueInput = ValidInput<undefined, { limit?: number }, { queue: string }>;
type MessageInput = ValidInput<undefined, Record<string, never>, { queue: string; id: string }>;
type ActionInput = ValidInput<SelectorInput, Record<string, never>, { queue: string }>;

const TAGS = ["operations"];
const ROLES = ["operator"] as const;

/** The same console `warranty-hub dlq` drives, so both channels list, replay and audit alike. */
export interface DeadLetterRouteDeps {
  readonly deadLetters: DeadLetterConsole;
}

/**
 * `/api/v1/admin/dead-letters`: the operator's dead-letter console over HTTP, the same
 * operations as `warranty-hub dlq`. Replays and purges are audited with the token's subject.
 */
export function deadLetterRoutes(deps: DeadLetterRouteDeps): RouteModule {
  const { deadLetters } = deps;
  return (registry) => {
    registry.add({
      method: "get",
      path: "/api/v1/admin/dead-letters",
      operationId: "deadLetterSummary",
      summary: "Messages ready and dead-lettered per queue",
      tags: TAGS,
      roles: ROLES,
      responses: { 200: { description: "One entry per queue", schema: "dead-letters/summary.json" } },
      handler: async (c) => c.json({ queues: await deadLetters.summary() }),
    });
    registry.add<QueueInput>({
      method: "get",
      path: "/api/v1/admin/dead-letters/:queue",
      operationId: "listDeadLetters",
      summary: "A queue's dead letters, grouped by cause",
      tags: TAGS,
      roles: ROLES,
      request: { params: "dead-letters/queue-params.json", query: "dead-letters/list-query.json" },
      responses: { 200: { description: "Grouped by error code and message", schema: "dead-letters/listing.json" } },
      handler: async (c, input) =>
        c.json(await deadLetters.list(input.params.queue, input.query.limit === undefined ? {} : { limit: input.query.limit })),
    });
    registry.add<MessageInput>({
      method: "get",
      path: "/api/v1/admin/dead-letters/:queue/:id",
      operationId: "showDeadLetter",
      summary: "One dead letter: envelope, reason, attempts, failure times",
      tags: TAGS,
      roles: ROLES,
      request: { params: "dead-letters/message-params.json" },
      responses: { 200: { description: "The dead letter", schema: "dead-letters/detail.json" } },
      handler: async (c, input) => c.json(await deadLetters.show(input.params.queue, input.params.id)),
    });
    for (const action of ["replay", "purge"] as const) {
      registry.add<ActionInput>({
        method: "post",
        path: `/api/v1/admin/dead-letters/:queue/${action}`,
        operationId: `${action}DeadLetters`,
        summary:
          action === "replay"
            ? "Send dead letters back to their queue (ids, cause or all), keeping their ids"
            : "Delete dead letters for good (ids or all)",
        tags: TAGS,
        roles: ROLES,
        request: { params: "dead-letters/queue-params.json", body: `dead-letters/${action}.json` },
        responses: { 200: { description: "What was done; written to the audit log", schema: "dead-letters/action.json" } },
        handler: async (c, input) => {
          const selector = parseSelector(input.body, { allowCause: action === "replay" });
          const by = { actor: principalOf(c).subject, channel: "api" };
          return c.json(await deadLetters[action](input.params.queue, selector, by));
        },
      });
    }
  };
}
