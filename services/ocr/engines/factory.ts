import { AppError } from "../../../lib/errors/index.ts";
import type { OcrConfig } from "../config.ts";
import { createAzureEngine } from "./azure.ts";
import { createLocalEngine } from "./local.ts";
import type { OcrEngine } from "./types.ts";

/** The engine `config.engine` names: `local` (offline, the default) or `azure`. */
export function createOcrEngine(config: OcrConfig): OcrEngine {
  switch (config.engine) {
    case "local":
      return createLocalEngine({ limits: config.limits, dateOrder: config.dateOrder });
    case "azure":
      if (!config.azure) throw new AppError("CONFIG_INVALID", "OCR_ENGINE=azure needs AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT and _KEY");
      return createAzureEngine({ azure: config.azure, limits: config.limits, dateOrder: config.dateOrder });
  }
}
