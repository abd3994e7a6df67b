import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import type { TokenVerifier } from "../../lib/auth/index.ts";
import { correlation, createRouteRegistry, loadSchemaSet, mountRoutes, onError, onNotFound, principalOf } from "../../lib/http/index.ts";
import type { AppEnv, RouteRegistry, SchemaSet, ValidInput } from "../../lib/http/index.ts";
import type { Logger } from "../../lib/log/index.ts";
import type { Metrics } from "../../lib/metrics/index.ts";
import type { ChatRelay } from "./relay.ts";

const SCHEMA_DIR = fileURLToPath(new URL("../../schemas/api/", import.meta.url));

/** Reads the API schemas (the chat ones live in `schemas/api/chat/`). */
export function loadChatSchemas(): Promise<SchemaSet> {
  return loadSchemaSet(SCHEMA_DIR);
}

type Params = { id: string };

/**
 * `POST /api/v1/service-requests/{id}/messages` and `GET ...?after=&limit=`, served by the relay
 * because a send answers only once the fan-out confirms it is stored.
 */
export function chatRoutes(registry: RouteRegistry, relay: ChatRelay): void {
  registry.add<ValidInput<{ text: string; clientMessageId: string }, Record<string, unknown>, Params>>({
    method: "post",
    path: "/api/v1/service-requests/:id/messages",
    operationId: "sendChatMessage",
    summary: "Send a chat message to the service request's other participant",
    description: "Answers once the message is stored. 503 CHAT_NOT_STORED means it was not; retrying with the same clientMessageId is safe.",
    tags: ["chat"],
    roles: ["consumer", "technician"],
    request: { body: "chat/send.json", params: "chat/params.json" },
    responses: { 201: { description: "The stored message", schema: "chat/message.json" } },
    async handler(c, input) {
      const user = { id: principalOf(c).subject, role: principalOf(c).role };
      const message = await relay.send(user, input.params.id, input.body.text, input.body.clientMessageId, c.get("correlationId"));
      return c.json(message, 201);
    },
  });
  registry.add<ValidInput<unknown, { after?: number; limit?: number }, Params>>({
    method: "get",
    path: "/api/v1/service-requests/:id/messages",
    operationId: "listChatMessages",
    summary: "Page through a service request's chat history",
    tags: ["chat"],
    roles: ["consumer", "technician"],
    request: { query: "chat/history-query.json", params: "chat/params.json" },
    responses: { 200: { description: "Messages after `after`, in sequence order", schema: "chat/messages.json" } },
    async handler(c, input) {
      const user = { id: principalOf(c).subject, role: principalOf(c).role };
      const messages = await relay.history(user, input.params.id, input.query.after ?? 0, input.query.limit ?? 100);
      return c.json({ messages });
    },
  });
}

/** The relay's HTTP app and which paths are its own. */
export interface ChatHttp {
  readonly app: Hono<AppEnv>;
  /** True for a path of one of the chat routes, so a server shared with the API hands the relay only those. */
  readonly serves: (pathname: string) => boolean;
}

/** The relay's HTTP app: the chat routes with the platform's auth, validation and error bodies. */
export function createChatApp(deps: {
  readonly relay: ChatRelay;
  readonly schemas: SchemaSet;
  readonly verifyToken: TokenVerifier;
  readonly logger: Logger;
  readonly metrics: Metrics;
}): ChatHttp {
  const registry = createRouteRegistry(deps.schemas);
  chatRoutes(registry, deps.relay);
  const app = new Hono<AppEnv>();
  app.use("*", correlation(deps));
  app.onError(onError(deps.logger));
  app.notFound(onNotFound);
  mountRoutes(app, registry, { verifyToken: deps.verifyToken, maxBodyBytes: 64 * 1024 });
  // Read from the registry, so a route added there is served on a shared server too.
  const routes = registry.routes.map((route) => route.path.split("/"));
  const serves = (pathname: string) => {
    const parts = pathname.split("/");
    return routes.some((route) => route.length === parts.length && route.every((s, i) => (s.startsWith(":") ? parts[i] !== "" : s === parts[i])));
  };
  return { app, serves };
}
