import type { EnvReader } from "../config/index.ts";

/** Limits of the import ingress. */
export interface ImportSettings {
  /** Largest upload accepted (IMPORT_MAX_BYTES); more answers 413 as soon as it is passed. */
  readonly maxBytes: number;
  /** Target chunk size (IMPORT_CHUNK_BYTES): each becomes one `import.chunk` message. */
  readonly chunkBytes: number;
}

/** Reads the import variables into `env`'s problem list. */
export function readImportSettings(env: EnvReader): ImportSettings {
  return {
    maxBytes: env.integer("IMPORT_MAX_BYTES", 2 * 1024 ** 3, { min: 1024, max: 64 * 1024 ** 3 }),
    chunkBytes: env.integer("IMPORT_CHUNK_BYTES", 1024 ** 2, { min: 1024, max: 256 * 1024 ** 2 }),
  };
}
