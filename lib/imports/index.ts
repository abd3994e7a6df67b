/**
 * Bulk CSV import of product models: the columns, scanning and cutting an upload into chunks,
 * checking rows, the error report, and `jobs.ts`, the one owner of `import_jobs` and `import_chunks`.
 */

export { IMPORT_COLUMNS, REQUIRED_COLUMNS, checkHeader, templateCsv } from "./columns.ts";
export type { ImportColumn } from "./columns.ts";
export { newScanState, recordSpans, scanRecords } from "./scanner.ts";
export type { RecordSpan, ScanState } from "./scanner.ts";
export { cutChunks } from "./chunker.ts";
export type { ChunkEvent, ChunkOptions, CsvChunk } from "./chunker.ts";
export { ROW_SCHEMA_URL, createRowValidator, loadRowSchema } from "./rows.ts";
export type { RowProblem, RowValidator, RowValue } from "./rows.ts";
export { STAGING_COLUMNS, checkChunk, copyText } from "./chunk.ts";
export type { BrandRef, ChunkContext, ChunkResult, RowError } from "./chunk.ts";
export { csvField, failedRowLine, neutraliseCell } from "./report.ts";
export {
  IMPORT_CONTAINER,
  IMPORT_JOB_STATUS,
  abandonJob,
  acceptsChunks,
  claimFinalisation,
  completeUpload,
  failJob,
  finishJob,
  getJob,
  insertChunk,
  insertJob,
  lockChunk,
  lockJob,
  readJob,
  recordChunk,
  setJobHeader,
} from "./jobs.ts";
export type { ImportJob, ImportJobError, ImportJobRow, ImportJobStatus, ImportJobView, NewImportJob } from "./jobs.ts";
export { listJobs } from "./list.ts";
export type { ImportJobListItem, JobFilter } from "./list.ts";
export { failedRows, listErrors } from "./errors.ts";
export type { FailedRow, ImportErrorPage, ImportErrorView } from "./errors.ts";
export { readImportSettings } from "./config.ts";
export type { ImportSettings } from "./config.ts";
export { multipartPart } from "./multipart.ts";
