import { useState } from "preact/hooks";
import { query } from "../api.ts";
import type { Page } from "../api.ts";
import type { Session } from "../session.ts";
import { ErrorNote, MoreButton, usePaged, when } from "../ui.tsx";

interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly details: Record<string, unknown>;
  readonly outcome: string;
}

/** The audit log, newest first: who replayed, purged or switched what, and when. */
export function AuditPage({ session }: { session: Session }) {
  const [filters, setFilters] = useState({ action: "", actor: "", target: "" });
  const paged = usePaged<AuditEntry>(JSON.stringify(filters), (cursor) =>
    session.api.get<Page<AuditEntry>>(`/api/v1/admin/audit-log${query({ ...filters, limit: 50, cursor })}`),
  );
  const field = (name: keyof typeof filters, label: string) => (
    <>
      <label for={`audit-${name}`}>{label}</label>
      <input id={`audit-${name}`} type="search" value={filters[name]}
        onChange={(event) => setFilters({ ...filters, [name]: event.currentTarget.value.trim() })} />
    </>
  );
  return (
    <>
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        {field("action", "Action starts with")}
        {field("actor", "Actor")}
        {field("target", "Target starts with")}
      </form>
      <div class="table-wrap">
        <table>
          <caption>Audit log, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {paged.items.map((e) => (
              <tr key={e.id}>
                <td>{when(e.at)}</td>
                <td>{e.actor}</td>
                <td>{e.action}</td>
                <td>{e.target}</td>
                <td>{e.outcome}</td>
                <td>
                  <code class="details">{JSON.stringify(e.details)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorNote error={paged.error} />
      <MoreButton paged={paged} noun="entries" />
    </>
  );
}
