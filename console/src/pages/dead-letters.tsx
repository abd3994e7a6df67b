import { useCallback, useEffect, useState } from "preact/hooks";
import type { Api } from "../api.ts";
import type { Session } from "../session.ts";
import { ErrorNote, Status, when } from "../ui.tsx";

/** Messages ready and dead-lettered in one queue. */
export interface QueueSummary {
  readonly queue: string;
  readonly ready: number;
  readonly deadLettered: number;
}

interface Item {
  readonly messageId: string;
  readonly type?: string;
  readonly attempts: number;
  readonly firstFailedAt: string;
  readonly lastFailedAt: string;
}

interface Listing {
  readonly total: number;
  readonly listed: number;
  readonly groups: { code: string; message: string; count: number; messages: Item[] }[];
}

type Selector = { ids: string[] } | { cause: string } | { all: true };

/** Dead letters per queue, grouped by cause; inspect, replay (one, a cause, all) and purge with a typed confirmation. */
export function DeadLettersPage({ session }: { session: Session }) {
  const { api } = session;
  const [queues, setQueues] = useState<QueueSummary[]>([]);
  const [queue, setQueue] = useState<string | undefined>(undefined);
  const [said, setSaid] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const loadSummary = useCallback(() => {
    api.get<{ queues: QueueSummary[] }>("/api/v1/admin/dead-letters").then((s) => setQueues(s.queues), setError);
  }, [api]);
  useEffect(loadSummary, [loadSummary]);

  return (
    <>
      <div class="table-wrap">
        <table>
          <caption>Queues</caption>
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Ready</th>
              <th scope="col">Dead letters</th>
            </tr>
          </thead>
          <tbody>
            {queues.map((q) => (
              <tr key={q.queue}>
                <th scope="row">
                  <button type="button" class="link" aria-pressed={q.queue === queue} onClick={() => setQueue(q.queue)}>
                    {q.queue}
                  </button>
                </th>
                <td>{q.ready}</td>
                <td>{q.deadLettered}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorNote error={error} />
      <Status>{said}</Status>
      {queue !== undefined && (
        <QueueDeadLetters
          key={queue}
          api={api}
          queue={queue}
          onDone={(text) => {
            setSaid(text);
            loadSummary();
          }}
        />
      )}
    </>
  );
}

function QueueDeadLetters({ api, queue, onDone }: { api: Api; queue: string; onDone: (text: string) => void }) {
  const [listing, setListing] = useState<Listing | undefined>(undefined);
  const [detail, setDetail] = useState<unknown>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [confirm, setConfirm] = useState("");
  const base = `/api/v1/admin/dead-letters/${encodeURIComponent(queue)}`;
  const load = useCallback(() => {
    api.get<Listing>(`${base}?limit=500`).then(setListing, setError);
  }, [api, base]);
  useEffect(load, [load]);

  async function act(action: "replay" | "purge", selector: Selector): Promise<void> {
    setError(undefined);
    try {
      const done = await api.send<{ count: number }>("POST", `${base}/${action}`, selector);
      onDone(`${action === "replay" ? "Replayed" : "Purged"} ${done.count} message(s) of ${queue}.`);
      setDetail(undefined);
      setConfirm("");
      load();
    } catch (caught) {
      setError(caught);
    }
  }

  if (listing === undefined) return error === undefined ? <Status>Loading {queue}…</Status> : <ErrorNote error={error} />;
  return (
    <section aria-labelledby="dl-title">
      <h2 id="dl-title">
        Dead letters of {queue}: {listing.total}
      </h2>
      {listing.total > listing.listed && <p>Showing the first {listing.listed}.</p>}
      {listing.groups.map((group) => (
        <article key={`${group.code}:${group.message}`} class="group" aria-label={`Cause ${group.code}`}>
          <h3>{group.code}</h3>
          <p class="cause">{group.message}</p>
          <p>
            {group.count} message(s); first seen {when(firstSeen(group.messages))}, last seen {when(lastSeen(group.messages))}.
          </p>
          <button type="button" onClick={() => void act("replay", { cause: group.code })}>
            Replay every {group.code}
          </button>
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Messages that failed with {group.code}</caption>
              <thead>
                <tr>
                  <th scope="col">Message</th>
                  <th scope="col">Type</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last failed</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {group.messages.map((m) => (
                  <tr key={m.messageId}>
                    <td>
                      <code>{m.messageId}</code>
                    </td>
                    <td>{m.type ?? "–"}</td>
                    <td>{m.attempts}</td>
                    <td>{when(m.lastFailedAt)}</td>
                    <td class="row-actions">
                      <button type="button" aria-label={`Inspect ${m.messageId}`}
                        onClick={() => void api.get(`${base}/${encodeURIComponent(m.messageId)}`).then(setDetail, setError)}>
                        Inspect
                      </button>
                      <button type="button" aria-label={`Replay ${m.messageId}`} onClick={() => void act("replay", { ids: [m.messageId] })}>
                        Replay
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </article>
      ))}
      {detail !== undefined && (
        <section aria-labelledby="detail-title">
          <h3 id="detail-title">Message detail</h3>
          <pre class="detail" tabIndex={0}>{JSON.stringify(detail, null, 2)}</pre>
        </section>
      )}
      <ErrorNote error={error} />
      {listing.total > 0 && (
        <div class="danger">
          <button type="button" onClick={() => void act("replay", { all: true })}>
            Replay all {listing.total}
          </button>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              if (confirm === queue) void act("purge", { all: true });
            }}
          >
            <label for="purge-confirm">Type the queue name ({queue}) to delete all its dead letters for good</label>
            <input id="purge-confirm" value={confirm} autoComplete="off" onInput={(event) => setConfirm(event.currentTarget.value)} />
            <button type="submit" class="destructive" disabled={confirm !== queue}>
              Purge all
            </button>
          </form>
        </div>
      )}
    </section>
  );
}

function firstSeen(items: readonly Item[]): string | undefined {
  return items.map((m) => m.firstFailedAt).sort()[0];
}

function lastSeen(items: readonly Item[]): string | undefined {
  return items.map((m) => m.lastFailedAt).sort().at(-1);
}
