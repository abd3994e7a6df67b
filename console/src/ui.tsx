import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError } from "./api.ts";
import type { Page } from "./api.ts";

/** An error shown to the user: announced by screen readers as it appears. */
export function ErrorNote({ error }: { error: unknown }) {
  if (error === undefined) return null;
  const text =
    error instanceof ApiError
      ? `${error.message} (${error.code})`
      : error instanceof Error
        ? error.message
        : typeof error === "string"
          ? error
          : JSON.stringify(error);
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

/** A status line that screen readers announce politely when it changes. */
export function Status({ children }: { children: ComponentChildren }) {
  return (
    <p class="status" role="status">
      {children}
    </p>
  );
}

/** A date-time in the reader's locale, or a dash. */
export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : "–";
}

/** State of a cursor-paged listing: the rows so far, and how to load the next page or start over. */
export interface Paged<T> {
  readonly items: T[];
  readonly more: boolean;
  readonly loading: boolean;
  readonly error: unknown;
  loadMore(): void;
  reload(): void;
}

/**
 * Loads `fetchPage(cursor)` page by page; starts over whenever `key` changes (the filters).
 * Pages are appended, so the cursor is never shown or typed by the user.
 */
export function usePaged<T>(key: string, fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [more, setMore] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [generation, setGeneration] = useState(0);
  const load = useCallback(
    async (after: string | undefined, replace: boolean) => {
      setLoading(true);
      setError(undefined);
      try {
        const page = await fetchPage(after);
        setItems((old) => (replace ? page.items : [...old, ...page.items]));
        setCursor(page.nextCursor);
        setMore(page.nextCursor !== undefined);
      } catch (caught) {
        setError(caught);
      } finally {
        setLoading(false);
      }
    },
    // fetchPage is a new closure on every render; `key` names what it depends on.
    [key],
  );
  useEffect(() => {
    void load(undefined, true);
  }, [load, generation]);
  return {
    items,
    more,
    loading,
    error,
    loadMore: () => void load(cursor, false),
    reload: () => setGeneration((g) => g + 1),
  };
}

/** The "Load more" button under a paged table, with the count shown so far. */
export function MoreButton({ paged, noun }: { paged: Paged<unknown>; noun: string }) {
  return (
    <div class="pager">
      <span role="status">
        {paged.loading ? "Loading…" : `${paged.items.length} ${noun} shown${paged.more ? "" : " (all)"}`}
      </span>
      {paged.more && (
        <button type="button" onClick={() => paged.loadMore()} disabled={paged.loading}>
          Load more {noun}
        </button>
      )}
    </div>
  );
}
