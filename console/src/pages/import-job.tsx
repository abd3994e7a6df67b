import { useEffect, useState } from "preact/hooks";
import { query } from "../api.ts";
import type { Api, Page } from "../api.ts";
import { ErrorNote, MoreButton, Status, usePaged, when } from "../ui.tsx";

/** An import job as `GET /api/v1/imports/:id` shows it (schemas/api/import-job.json). */
export interface ImportJob {
  readonly id: string;
  readonly status: "queued" | "running" | "succeeded" | "failed";
  readonly dryRun: boolean;
  readonly maxInvalidPercent: number;
  readonly counts: { total: number; valid: number; invalid: number; inserted: number; updated: number };
  readonly progress: { chunksDone: number; chunksTotal: number | null };
  readonly error?: { code: string; message: string };
  readonly createdBy?: string;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

interface RowError {
  readonly row: number;
  readonly line: number;
  readonly column: string | null;
  readonly value: string | null;
  readonly code: string;
  readonly message: string;
}

/** Percent of the job done: chunks checked, and 100 only once the job has ended. */
export function percentOf(job: ImportJob): number {
  if (job.status === "succeeded" || job.status === "failed") return 100;
  const { chunksDone, chunksTotal } = job.progress;
  // The finaliser still has to merge after the last chunk, so a running job stops at 99.
  return chunksTotal === null || chunksTotal === 0 ? 0 : Math.min(99, Math.floor((chunksDone / chunksTotal) * 100));
}

/** Follows job `id` over its event stream until it ends. */
function useJob(api: Api, id: string): { job: ImportJob | undefined; error: unknown } {
  const [job, setJob] = useState<ImportJob | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    const abort = new AbortController();
    setJob(undefined);
    setError(undefined);
    api
      .events(`/api/v1/imports/${id}/events`, (event, data) => event === "status" && setJob(JSON.parse(data) as ImportJob), abort.signal)
      .catch((caught: unknown) => abort.signal.aborted || setError(caught));
    return () => abort.abort();
  }, [api, id]);
  return { job, error };
}

/** The live report of one job: progress, counts, errors, and the commit of a clean dry run. */
export function JobReport({ api, id, onCommit }: { api: Api; id: string; onCommit: (() => Promise<void>) | undefined }) {
  const { job, error } = useJob(api, id);
  const [committing, setCommitting] = useState<unknown>(undefined);
  if (job === undefined) return error === undefined ? <Status>Loading import {id}…</Status> : <ErrorNote error={error} />;
  const percent = percentOf(job);
  const ended = job.status === "succeeded" || job.status === "failed";
  const verb = job.dryRun ? "Would" : "";
  return (
    <section aria-labelledby="report-title" class="report">
      <h2 id="report-title">
        {job.dryRun ? "Dry run" : "Import"} {job.id.slice(0, 8)}: {job.status}
      </h2>
      <label for="import-progress">Progress</label>
      <div class="progress-row">
        <progress id="import-progress" max={100} value={percent} />
        <span data-testid="progress-text">{percent} %</span>
      </div>
      <Status>
        {ended ? `Finished ${when(job.finishedAt)}` : `Checking chunks: ${job.progress.chunksDone} of ${job.progress.chunksTotal ?? "?"}`}
      </Status>
      <dl class="counts">
        <dt>Rows</dt>
        <dd>{job.counts.total}</dd>
        <dt>Valid</dt>
        <dd>{job.counts.valid}</dd>
        <dt>Invalid</dt>
        <dd>{job.counts.invalid}</dd>
        <dt>{verb ? "Would insert" : "Inserted"}</dt>
        <dd>{job.counts.inserted}</dd>
        <dt>{verb ? "Would update" : "Updated"}</dt>
        <dd>{job.counts.updated}</dd>
      </dl>
      {job.error && <ErrorNote error={`${job.error.message} (${job.error.code})`} />}
      {ended && job.counts.invalid > 0 && (
        <button type="button" onClick={() => void api.download(`/api/v1/imports/${id}/errors.csv`, `import-${id}-errors.csv`)}>
          Download errors.csv
        </button>
      )}
      {ended && job.dryRun && job.status === "succeeded" && onCommit && (
        <div class="commit">
          <p>
            The dry run passed{job.counts.invalid > 0 ? `; ${job.counts.invalid} invalid rows will be left out` : ""}.
          </p>
          <button
            type="button"
            class="primary"
            onClick={() => {
              setCommitting(undefined);
              onCommit().catch(setCommitting);
            }}
          >
            Commit this file
          </button>
          <ErrorNote error={committing} />
        </div>
      )}
      {ended && job.counts.invalid > 0 && <ErrorTable api={api} id={id} />}
    </section>
  );
}

function ErrorTable({ api, id }: { api: Api; id: string }) {
  const paged = usePaged<RowError>(id, (cursor) =>
    api.get<Page<RowError>>(`/api/v1/imports/${id}/errors${query({ limit: 20, cursor })}`),
  );
  return (
    <>
      <div class="table-wrap">
        <table>
          <caption>Row errors</caption>
          <thead>
            <tr>
              <th scope="col">Row</th>
              <th scope="col">Line</th>
              <th scope="col">Column</th>
              <th scope="col">Value</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {paged.items.map((e) => (
              <tr key={`${e.row}-${e.code}-${e.column ?? ""}`}>
                <td>{e.row}</td>
                <td>{e.line}</td>
                <td>{e.column ?? "–"}</td>
                <td>{e.value ?? "–"}</td>
                <td>
                  {e.message} <code>{e.code}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorNote error={paged.error} />
      <MoreButton paged={paged} noun="errors" />
    </>
  );
}
