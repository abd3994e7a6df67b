import { useEffect, useState } from "preact/hooks";
import type { Session } from "../session.ts";
import { ErrorNote, Status, when } from "../ui.tsx";

interface Script {
  readonly id: string;
  readonly brand: string;
  readonly name: string;
  readonly isDefault: boolean;
  readonly version: number;
  readonly definition: unknown;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

interface Version {
  readonly version: number;
  readonly definition: unknown;
  readonly createdAt?: string;
  readonly createdBy?: string;
}

/** Each brand's transformation scripts (applied to imports while DataTransformationFeature is on) and their versions. */
export function TransformationsPage({ session }: { session: Session }) {
  const [scripts, setScripts] = useState<Script[] | undefined>(undefined);
  const [open, setOpen] = useState<{ script: Script; versions: Version[] } | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    session.api.get<{ scripts: Script[] }>("/api/v1/transformations").then((r) => setScripts(r.scripts), setError);
  }, [session]);
  const show = (script: Script) =>
    void session.api
      .get<{ versions: Version[] }>(`/api/v1/transformations/${script.id}/versions`)
      .then((r) => setOpen({ script, versions: r.versions }), setError);
  if (scripts === undefined) return error === undefined ? <Status>Loading scripts…</Status> : <ErrorNote error={error} />;
  return (
    <>
      <div class="table-wrap">
        <table>
          <caption>Transformation scripts</caption>
          <thead>
            <tr>
              <th scope="col">Brand</th>
              <th scope="col">Name</th>
              <th scope="col">Default</th>
              <th scope="col">Version</th>
              <th scope="col">Changed</th>
              <th scope="col">History</th>
            </tr>
          </thead>
          <tbody>
            {scripts.map((s) => (
              <tr key={s.id}>
                <td>{s.brand}</td>
                <td>{s.name}</td>
                <td>{s.isDefault ? "yes" : "no"}</td>
                <td>{s.version}</td>
                <td>
                  {when(s.updatedAt)} by {s.updatedBy}
                </td>
                <td>
                  <button type="button" onClick={() => show(s)} aria-label={`Versions of ${s.name}`}>
                    Versions
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {scripts.length === 0 && <p>No transformation scripts yet.</p>}
      <ErrorNote error={error} />
      {open && (
        <section aria-labelledby="versions-title">
          <h2 id="versions-title">Versions of {open.script.name}</h2>
          {open.versions.map((v) => (
            <details key={v.version}>
              <summary>
                Version {v.version}
                {v.createdAt ? `, ${when(v.createdAt)}` : ""}
                {v.createdBy ? ` by ${v.createdBy}` : ""}
              </summary>
              <pre class="detail" tabIndex={0}>{JSON.stringify(v.definition, null, 2)}</pre>
            </details>
          ))}
        </section>
      )}
    </>
  );
}
