import { useCallback, useEffect, useState } from "preact/hooks";
import type { Page } from "../api.ts";
import type { Session } from "../session.ts";
import { ErrorNote, Status, when } from "../ui.tsx";

interface Flag {
  readonly name: string;
  readonly enabled: boolean;
  readonly description: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** Feature flags with a switch each; every change is audited by the API with who and when. */
export function FlagsPage({ session }: { session: Session }) {
  const [flags, setFlags] = useState<Flag[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [said, setSaid] = useState("");
  const load = useCallback(() => {
    session.api.get<Page<Flag>>("/api/v2/flags").then((page) => setFlags(page.items), setError);
  }, [session]);
  useEffect(load, [load]);

  async function flip(flag: Flag): Promise<void> {
    setError(undefined);
    try {
      const change = await session.api.send<{ flag: Flag }>("PATCH", `/api/v2/flags/${encodeURIComponent(flag.name)}`, { enabled: !flag.enabled });
      setSaid(`${flag.name} is now ${change.flag.enabled ? "on" : "off"}; services see it within 5 seconds.`);
      load();
    } catch (caught) {
      setError(caught);
    }
  }

  if (flags === undefined) return error === undefined ? <Status>Loading flags…</Status> : <ErrorNote error={error} />;
  return (
    <>
      <ul class="flags">
        {flags.map((flag) => (
          <li key={flag.name}>
            <div class="flag-head">
              <h2 id={`flag-${flag.name}`}>{flag.name}</h2>
              <button type="button" role="switch" aria-checked={flag.enabled} aria-labelledby={`flag-${flag.name}`}
                class={flag.enabled ? "switch on" : "switch"} onClick={() => void flip(flag)}>
                {flag.enabled ? "On" : "Off"}
              </button>
            </div>
            <p>{flag.description}</p>
            <p class="help">
              Last changed {when(flag.updatedAt)} by {flag.updatedBy}. See the <a href="#/audit">audit log</a> for every change.
            </p>
          </li>
        ))}
      </ul>
      <ErrorNote error={error} />
      <Status>{said}</Status>
    </>
  );
}
