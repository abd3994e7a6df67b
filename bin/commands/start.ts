import { runProcess } from "../../lib/runtime/index.ts";
import type { ServiceDefinition } from "../../lib/runtime/index.ts";
import { apiService } from "../../services/api/main.ts";
import { chatRelayService } from "../../services/chat-relay/main.ts";
import { ingestService } from "../../services/ingest/main.ts";
import { ocrService } from "../../services/ocr/main.ts";
import type { Command } from "../cli.ts";

const SERVICES: Readonly<Record<string, ServiceDefinition>> = {
  api: apiService,
  "chat-relay": chatRelayService,
  ingest: ingestService,
  ocr: ocrService,
};

/** `start <service>|all`: runs one service, or every service in one process. */
export const startCommand: Command = async (args, env) => {
  const which = args[0] ?? "all";
  const definitions = which === "all" ? Object.values(SERVICES) : [SERVICES[which]];
  if (definitions.some((d) => d === undefined)) {
    process.stderr.write(`unknown service ${which}; expected one of ${Object.keys(SERVICES).join(", ")}, all\n`);
    return 2;
  }
  return runProcess(definitions as ServiceDefinition[], env);
};
