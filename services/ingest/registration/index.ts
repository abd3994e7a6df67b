export type { RegistrationHandlerDeps, RegistrationSubmitted } from "./handler.ts";
export { OCR_QUEUE, REGISTRATION_CONSUMER, REGISTRATION_QUEUE, createRegistrationHandler } from "./handler.ts";
