#!/usr/bin/env node
// The operator CLI. `npm start` runs `warranty-hub start all`; see `warranty-hub help`.
import { createLogger } from "../lib/log/index.ts";
import { failureLine } from "../lib/runtime/index.ts";
import { main } from "./cli.ts";

// An error no code path caught (an unhandled "error" event, a rejected promise nobody awaits)
// ends the process as any failure does: one line for the person, the stack in the JSON log.
const crash = (error: unknown) => {
  createLogger({ level: "fatal" }).fatal({ err: error }, "uncaught error");
  process.stderr.write(failureLine("warranty-hub crashed", error));
  process.exit(1);
};
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

process.exitCode = await main(process.argv.slice(2), process.env);
