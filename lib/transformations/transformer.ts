import { SQLSTATE, hasSqlState } from "../db/index.ts";
import type { Pool } from "../db/index.ts";
import { AppError } from "../errors/index.ts";
import type { FlagEvaluator } from "../flags/index.ts";
import { DATA_TRANSFORMATION_FLAG } from "../flags/index.ts";
import type { Logger } from "../log/index.ts";
import { planTransformation } from "./apply.ts";
import type { TransformationPlan, TransformedRow } from "./apply.ts";
import { brandIdByName, findScript } from "./store.ts";

/** Which script an import uses: its brand (by id or name) and, optionally, a script name and pinned version. */
export interface TransformationTarget {
  readonly brandId?: number;
  /** Brand name, matched case-insensitively, for callers that hold the name (a brand admin's token). */
  readonly brand?: string;
  /** A script of the brand; the brand's default script when absent. */
  readonly scriptName?: string;
  /** A version recorded earlier (see {@link RowTransformer.version}); the current one when absent. */
  readonly version?: number;
}

/** A script ready to apply to the rows of one import. */
export interface RowTransformer {
  readonly scriptId: number;
  readonly scriptName: string;
  /** Record it on the job and pass it back as `target.version`, so every chunk applies the same version. */
  readonly version: number;
  /** The script fitted to a file's header line; `TRANSFORMATION_HEADER_CONFLICT` (422) when it cannot fit. */
  plan(headers: readonly string[]): TransformationPlan;
  /** One row under canonical headers (the plan is reused while the headers stay the same). */
  apply(headers: readonly string[], row: readonly string[]): TransformedRow;
}

/** Resolves the transformer of an import, or undefined for the legacy path (canonical headers only). */
export type RowTransformerFactory = (target: TransformationTarget) => Promise<RowTransformer | undefined>;

/**
 * The hook the importer calls before validating rows. Undefined (legacy path) when
 * DataTransformationFeature is off or unreadable, the brand has no script, or the feature's
 * tables are gone (rolled back by the 0007 down migration). A database failure while the flag
 * is on is `TRANSFORMATION_UNAVAILABLE`, retryable: silently importing raw rows for a brand
 * that relies on its script would report every row as invalid.
 */
export function createRowTransformer(deps: { readonly pool: Pool; readonly flags: FlagEvaluator; readonly logger?: Logger }): RowTransformerFactory {
  return async (target) => {
    if (!(await deps.flags.isEnabled(DATA_TRANSFORMATION_FLAG))) return undefined;
    let script;
    try {
      const brandId = target.brandId ?? (target.brand === undefined ? undefined : await brandIdByName(deps.pool, target.brand));
      if (brandId === undefined) return undefined;
      script = await findScript(deps.pool, {
        brandId,
        ...(target.scriptName === undefined ? {} : { name: target.scriptName }),
        ...(target.version === undefined ? {} : { version: target.version }),
      });
    } catch (error) {
      if (isMissingTable(error)) {
        deps.logger?.warn("transformation tables are gone while the flag is on; using the legacy path");
        return undefined;
      }
      throw new AppError("TRANSFORMATION_UNAVAILABLE", "could not read the brand's transformation script", { retryable: true, status: 503, cause: error });
    }
    if (script === undefined) return undefined;
    const definition = script.definition;
    let cached: { key: string; plan: TransformationPlan } | undefined;
    const plan = (headers: readonly string[]) => {
      const key = headers.join("\u0000");
      if (cached?.key !== key) cached = { key, plan: planTransformation(definition, headers) };
      return cached.plan;
    };
    return {
      scriptId: script.id,
      scriptName: script.name,
      version: script.version,
      plan,
      apply(headers, row) {
        const fitted = plan(headers);
        return { headers: fitted.headers, row: fitted.apply(row) };
      },
    };
  };
}

function isMissingTable(error: unknown): boolean {
  return hasSqlState(error, SQLSTATE.undefinedTable);
}
