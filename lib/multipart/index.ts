export type { MultipartLimits, MultipartPart } from "./parser.ts";
export { multipartBoundary, parseMultipart } from "./parser.ts";
