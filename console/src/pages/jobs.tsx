import { useState } from "preact/hooks";
import { query } from "../api.ts";
import type { Page } from "../api.ts";
import type { Session } from "../session.ts";
import { ErrorNote, MoreButton, usePaged, when } from "../ui.tsx";
import type { ImportJob } from "./import-job.tsx";
import { percentOf } from "./import-job.tsx";

/** Import jobs, newest first, filtered by status and kind; each opens its report. */
export function JobsPage({ session }: { session: Session }) {
  const [status, setStatus] = useState("");
  const [kind, setKind] = useState("");
  const [createdBy, setCreatedBy] = useState("");
  const superAdmin = session.principal.role === "super_admin";
  const filters = { status, dryRun: kind === "" ? undefined : kind === "dry", createdBy: superAdmin ? createdBy.trim() : undefined };
  const paged = usePaged<ImportJob>(JSON.stringify(filters), (cursor) =>
    session.api.get<Page<ImportJob>>(`/api/v1/imports${query({ ...filters, limit: 25, cursor })}`),
  );
  return (
    <>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label for="job-status">Status</label>
        <select id="job-status" value={status} onChange={(event) => setStatus(event.currentTarget.value)}>
          <option value="">Any</option>
          <option value="queued">Queued</option>
          <option value="running">Running</option>
          <option value="succeeded">Succeeded</option>
          <option value="failed">Failed</option>
        </select>
        <label for="job-kind">Kind</label>
        <select id="job-kind" value={kind} onChange={(event) => setKind(event.currentTarget.value)}>
          <option value="">Dry runs and commits</option>
          <option value="dry">Dry runs</option>
          <option value="commit">Commits</option>
        </select>
        {superAdmin && (
          <>
            <label for="job-owner">Uploaded by</label>
            <input id="job-owner" type="search" value={createdBy} onChange={(event) => setCreatedBy(event.currentTarget.value)} />
          </>
        )}
      </form>
      <div class="table-wrap">
        <table>
          <caption>Import jobs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Kind</th>
              <th scope="col">Status</th>
              <th scope="col">Rows (invalid)</th>
              <th scope="col">Uploaded</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {paged.items.map((job) => (
              <tr key={job.id}>
                <td>
                  <a href={`#/imports/${job.id}`}>{job.id.slice(0, 8)}</a>
                </td>
                <td>{job.dryRun ? "Dry run" : "Commit"}</td>
                <td>
                  {job.status}
                  {job.status === "running" ? ` (${percentOf(job)} %)` : ""}
                </td>
                <td>
                  {job.counts.total} ({job.counts.invalid})
                </td>
                <td>{when(job.createdAt)}</td>
                <td>{job.createdBy ?? "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorNote error={paged.error} />
      <MoreButton paged={paged} noun="jobs" />
    </>
  );
}
