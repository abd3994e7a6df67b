import { parse } from "@cdktf/hcl2json";
import { listRepoFiles, readRepoFile } from "./repo.ts";

/** Blocks of one kind, as hcl2json gives them: type -> name -> bodies. */
type Blocks = Record<string, Record<string, Record<string, unknown>[]>>;

/** The Terraform configuration in infra/terraform, all files merged. */
export interface TerraformConfig {
  readonly resource: Blocks;
  readonly variable: Record<string, Record<string, unknown>[]>;
  readonly output: Record<string, Record<string, unknown>[]>;
  readonly locals: Record<string, unknown>[];
}

/** Parses every .tf file with HCL's own parser (through @cdktf/hcl2json) and merges them. */
export async function loadTerraform(): Promise<TerraformConfig> {
  const merged: TerraformConfig = { resource: {}, variable: {}, output: {}, locals: [] };
  for (const file of await listRepoFiles("infra/terraform", ".tf")) {
    const parsed = (await parse(file, await readRepoFile(file))) as Partial<TerraformConfig>;
    for (const [type, byName] of Object.entries(parsed.resource ?? {})) {
      merged.resource[type] = { ...merged.resource[type], ...byName };
    }
    Object.assign(merged.variable, parsed.variable);
    Object.assign(merged.output, parsed.output);
    merged.locals.push(...(parsed.locals ?? []));
  }
  return merged;
}

/** The single body of `resource "type" "name"`, or undefined. */
export function resource(config: TerraformConfig, type: string, name: string): Record<string, unknown> | undefined {
  return config.resource[type]?.[name]?.[0];
}

/** The default of `variable "name"`. */
export function variableDefault(config: TerraformConfig, name: string): unknown {
  return config.variable[name]?.[0]?.default;
}
