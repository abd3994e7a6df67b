export type { RegistrationHandlerDeps } from "./handler.ts";
export { REGISTRATION_CONSUMER, createRegistrationHandler } from "./handler.ts";
