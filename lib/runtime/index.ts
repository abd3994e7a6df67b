/**
 * Starting and stopping a process: wiring the platform (pool, transport, validator), running one
 * or more services in it until a signal, and recording the running instance for the CLI.
 */

export type { Platform } from "./platform.ts";
export { createTransport, loadValidator, startPlatform } from "./platform.ts";
export type { ProcessParts, RunningService } from "./lifecycle.ts";
export { runUntilSignal } from "./lifecycle.ts";
export type { ServiceContext, ServiceDefinition, SharedHttpServer, StartedService } from "./process.ts";
export { EXIT, runProcess } from "./process.ts";
export type { InstanceFacts, RunningInstance } from "./instance.ts";
export { findRunningInstance, recordInstance, withRunningInstance } from "./instance.ts";
export { failureLine } from "./failure.ts";
