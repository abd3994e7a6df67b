import type { ChatMessage, Participants } from "./model.ts";

/** What {@link createReorderBuffer} pushes through and reads from. */
export interface ReorderDeps {
  /** Pushes one message to the group, in sequence order. */
  push(message: ChatMessage, participants: Participants): void;
  /** True while the group has members on this instance; nothing is kept for an empty group. */
  hasMembers(group: string): boolean;
  /** Stored messages of the request after `after`, in order (the database is the record). */
  catchUp(group: string, after: number): Promise<readonly ChatMessage[]>;
  /** How long a gap may stay open before the missing messages are read from the database. */
  readonly gapTimeoutMs: number;
  /** Told when a catch-up read failed; the gap is retried after another timeout. */
  onCatchUpError?(group: string, error: unknown): void;
}

/**
 * Pushes each group's messages in sequence order, whatever order the fan-out brings them in.
 * Sequences are gap-free per request, so a message above the next expected one is held until
 * the missing ones arrive; a gap still open after `gapTimeoutMs` (a transient push was lost,
 * or several workers raced) is filled from the database. Duplicates are dropped.
 */
export interface ReorderBuffer {
  /**
   * A connection is about to join `group`, whose last stored sequence was `lastSequence` when
   * it was read. An empty group starts there; a group with members keeps its own position.
   */
  opened(group: string, lastSequence: number): void;
  /** A stored message from the fan-out, in any order, possibly twice. */
  arrived(message: ChatMessage, participants: Participants): void;
  /** Stops the gap timers. */
  close(): void;
}

interface GroupState {
  /** The highest sequence pushed; everything at or below it is a duplicate. */
  delivered: number;
  readonly pending: Map<number, ChatMessage>;
  /** Participants of the latest arrival: who may receive what is pushed next. */
  participants: Participants;
  timer: NodeJS.Timeout | undefined;
  fetching: boolean;
}

/** Creates the per-group reorder buffer of one relay instance; see {@link ReorderBuffer}. */
export function createReorderBuffer(deps: ReorderDeps): ReorderBuffer {
  const groups = new Map<string, GroupState>();

  const drain = (group: string, state: GroupState) => {
    for (let next = state.pending.get(state.delivered + 1); next !== undefined; next = state.pending.get(state.delivered + 1)) {
      state.pending.delete(next.sequence);
      state.delivered = next.sequence;
      deps.push(next, state.participants);
    }
    if (state.pending.size === 0) {
      clearTimeout(state.timer);
      state.timer = undefined;
    } else {
      state.timer ??= setTimeout(() => void fill(group, state), deps.gapTimeoutMs).unref();
    }
  };

  const fill = async (group: string, state: GroupState) => {
    state.timer = undefined;
    if (state.fetching || groups.get(group) !== state) return;
    state.fetching = true;
    try {
      for (const message of await deps.catchUp(group, state.delivered)) {
        if (message.sequence > state.delivered && !state.pending.has(message.sequence)) state.pending.set(message.sequence, message);
      }
      // The database has every stored sequence; one it lacks was deleted (retention) and is skipped.
      const lowest = Math.min(...state.pending.keys());
      if (!state.pending.has(state.delivered + 1) && Number.isFinite(lowest)) state.delivered = lowest - 1;
    } catch (error) {
      deps.onCatchUpError?.(group, error);
    } finally {
      state.fetching = false;
    }
    if (groups.get(group) === state) drain(group, state);
  };

  const forget = (group: string) => {
    clearTimeout(groups.get(group)?.timer);
    groups.delete(group);
  };

  return {
    opened(group, lastSequence) {
      if (groups.has(group) && deps.hasMembers(group)) return;
      forget(group);
      groups.set(group, { delivered: lastSequence, pending: new Map(), participants: { customerId: "", technicianId: null }, timer: undefined, fetching: false });
    },
    arrived(message, participants) {
      const group = message.serviceRequestId;
      if (!deps.hasMembers(group)) {
        forget(group);
        return;
      }
      let state = groups.get(group);
      if (state === undefined) {
        // Members who joined without opening (not the chat hub's path): start from this message.
        state = { delivered: message.sequence - 1, pending: new Map(), participants, timer: undefined, fetching: false };
        groups.set(group, state);
      }
      if (message.sequence <= state.delivered || state.pending.has(message.sequence)) return;
      state.participants = participants;
      state.pending.set(message.sequence, message);
      drain(group, state);
    },
    close() {
      for (const group of [...groups.keys()]) forget(group);
    },
  };
}
