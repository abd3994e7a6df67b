/**
 * The one multipart/form-data parser: @fastify/busboy behind a small streaming adapter with
 * limits on parts, headers, field, file and total bytes. Imports and registrations both use it.
 */
export type { MultipartLimits, MultipartPart } from "./parser.ts";
export { multipartBoundary, parseMultipart } from "./parser.ts";
