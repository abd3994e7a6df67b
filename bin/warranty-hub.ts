#!/usr/bin/env node
// The operator CLI. `npm start` runs `warranty-hub start all`; see `warranty-hub help`.
import { main } from "./cli.ts";

process.exitCode = await main(process.argv.slice(2), process.env);
