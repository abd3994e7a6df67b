import { useState } from "preact/hooks";
import { query } from "../api.ts";
import type { Session } from "../session.ts";
import { ErrorNote } from "../ui.tsx";
import { JobReport } from "./import-job.tsx";

/** The file behind a job this tab uploaded, so a clean dry run can be committed without choosing it again. */
interface Uploaded {
  readonly jobId: string;
  readonly file: File;
  readonly maxInvalidPercent: number;
}

/** Template and schema downloads, the upload form, and the report of the job in the route. */
export function ImportPage({ session, jobId }: { session: Session; jobId: string | undefined }) {
  const { api } = session;
  const [uploaded, setUploaded] = useState<Uploaded | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function upload(file: File, dryRun: boolean, maxInvalidPercent: number): Promise<void> {
    const { id } = await api.upload<{ id: string }>(`/api/v1/imports${query({ dryRun, maxInvalidPercent })}`, file);
    setUploaded({ jobId: id, file, maxInvalidPercent });
    window.location.hash = `#/imports/${id}`;
  }

  const commit =
    uploaded !== undefined && uploaded.jobId === jobId
      ? () => upload(uploaded.file, false, uploaded.maxInvalidPercent)
      : undefined;

  return (
    <>
      <section aria-labelledby="downloads-title">
        <h2 id="downloads-title">Start from the template</h2>
        <div class="actions">
          <button type="button" onClick={() => void api.download("/api/v1/imports/template.csv", "product-models-template.csv").catch(setError)}>
            Download the CSV template
          </button>
          <button type="button" onClick={() => void api.download("/api/v1/imports/schema.json", "product-model-row.schema.json").catch(setError)}>
            Download the row schema
          </button>
        </div>
      </section>
      <section aria-labelledby="upload-title">
        <h2 id="upload-title">Upload a file</h2>
        <form
          class="upload"
          onSubmit={(event) => {
            event.preventDefault();
            const form = new FormData(event.currentTarget);
            const file = form.get("file");
            if (!(file instanceof File) || file.size === 0) return setError("choose a CSV file first");
            setBusy(true);
            setError(undefined);
            upload(file, form.get("dryRun") === "on", Number(form.get("maxInvalidPercent") ?? 0))
              .catch(setError)
              .finally(() => setBusy(false));
          }}
        >
          <label for="file">CSV file</label>
          <input id="file" name="file" type="file" accept=".csv,text/csv" required />
          <div class="check">
            <input id="dry-run" name="dryRun" type="checkbox" defaultChecked />
            <label for="dry-run">Dry run: check the file and report, change nothing</label>
          </div>
          <label for="max-invalid">Largest share of invalid rows that may still commit (%)</label>
          <input id="max-invalid" name="maxInvalidPercent" type="number" min={0} max={100} step="0.1" defaultValue="0"
            aria-describedby="max-invalid-help" />
          <p id="max-invalid-help" class="help">0 means all or nothing: one invalid row stops the whole file.</p>
          <ErrorNote error={error} />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? "Uploading…" : "Upload"}
          </button>
        </form>
      </section>
      {jobId !== undefined && <JobReport key={jobId} api={api} id={jobId} onCommit={commit} />}
    </>
  );
}
