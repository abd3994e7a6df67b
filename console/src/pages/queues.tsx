import { useEffect, useState } from "preact/hooks";
import type { Session } from "../session.ts";
import { ErrorNote, Status } from "../ui.tsx";
import type { QueueSummary } from "./dead-letters.tsx";

const EVERY_MS = 5_000;
/** One hour of samples at {@link EVERY_MS}. */
const KEEP = 720;

interface Sample {
  readonly at: number;
  readonly queues: QueueSummary[];
}

/** Queue depth and dead letters, sampled every 5 s while the page is open, with a chart of the last hour. */
export function QueuesPage({ session }: { session: Session }) {
  const [samples, setSamples] = useState<Sample[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    let stopped = false;
    const sample = () =>
      session.api.get<{ queues: QueueSummary[] }>("/api/v1/admin/dead-letters").then(
        (s) => stopped || setSamples((old) => [...old.slice(-(KEEP - 1)), { at: Date.now(), queues: s.queues }]),
        (caught: unknown) => stopped || setError(caught),
      );
    void sample();
    const timer = setInterval(() => void sample(), EVERY_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [session]);
  const latest = samples.at(-1);
  if (latest === undefined) return error === undefined ? <Status>Loading queues…</Status> : <ErrorNote error={error} />;
  return (
    <>
      <p class="help">Refreshed every 5 seconds; the chart covers up to the last hour this page has been open.</p>
      <div class="table-wrap">
        <table>
          <caption>Queues now</caption>
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Ready</th>
              <th scope="col">Dead letters</th>
              <th scope="col">Ready, last hour</th>
            </tr>
          </thead>
          <tbody>
            {latest.queues.map((q) => (
              <tr key={q.queue}>
                <th scope="row">{q.queue}</th>
                <td>{q.ready}</td>
                <td>{q.deadLettered > 0 ? <a href="#/dead-letters">{q.deadLettered}</a> : 0}</td>
                <td>
                  <Sparkline values={samples.map((s) => s.queues.find((x) => x.queue === q.queue)?.ready ?? 0)} label={`${q.queue} ready messages`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorNote error={error} />
    </>
  );
}

function Sparkline({ values, label }: { values: number[]; label: string }) {
  const width = 160;
  const height = 32;
  const top = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - (v / top) * (height - 2) - 1).toFixed(1)}`).join(" ");
  return (
    <svg class="spark" viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img"
      aria-label={`${label}: now ${values.at(-1) ?? 0}, peak ${top}`}>
      <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}
