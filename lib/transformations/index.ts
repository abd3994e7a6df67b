/**
 * Per-brand transformation scripts: definitions that map a brand's own CSV layout onto the import
 * columns, their versioned store, and applying them to rows before an import checks them.
 */

export type {
  ColumnRule,
  Conversion,
  DateConversion,
  DateToken,
  MapConversion,
  TimeUnit,
  TransformationDefinition,
  UnitConversion,
} from "./definition.ts";
export { TIME_UNITS, assertDefinition, dateTokens, definitionProblems } from "./definition.ts";
export type { TransformationPlan, TransformedRow } from "./apply.ts";
export { applyTransformation, planTransformation } from "./apply.ts";
export type { TransformationScript, TransformationVersion } from "./store.ts";
export { brandIdByName, createScript, findScript, getScript, listScripts, listVersions, updateScript } from "./store.ts";
export type { RowTransformer, RowTransformerFactory, TransformationTarget } from "./transformer.ts";
export { createRowTransformer } from "./transformer.ts";
export { transformCsvRecords } from "./csv.ts";
