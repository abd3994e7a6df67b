/** Group membership as the domain layer sees it; ids are public connection ids. */
export interface HubGroups {
  /** Adds an open connection to a group; false when the connection is gone (a join racing a disconnect). */
  add(connectionId: string, group: string): boolean;
  /** Removes a connection from a group; false when it was not a member. */
  remove(connectionId: string, group: string): boolean;
  /** Removes every connection of a user from a group (a reassigned technician); returns how many. */
  removeUserFromGroup(userId: string, group: string): number;
  /** Connection ids in a group on this instance. */
  members(group: string): readonly string[];
  /** Groups a connection belongs to. */
  groupsOf(connectionId: string): readonly string[];
}

/** Two indexes kept in step, so both "who is in g" and "what is c in" are cheap. */
export class GroupRegistry implements HubGroups {
  readonly #members = new Map<string, Set<string>>();
  readonly #memberships = new Map<string, Set<string>>();
  readonly #isOpen: (connectionId: string) => boolean;
  readonly #connectionIdsOf: (userId: string) => readonly string[];

  constructor(deps: {
    isOpen: (connectionId: string) => boolean;
    connectionIdsOf: (userId: string) => readonly string[];
  }) {
    this.#isOpen = deps.isOpen;
    this.#connectionIdsOf = deps.connectionIdsOf;
  }

  add(connectionId: string, group: string): boolean {
    if (!this.#isOpen(connectionId)) return false;
    addTo(this.#members, group, connectionId);
    addTo(this.#memberships, connectionId, group);
    return true;
  }

  remove(connectionId: string, group: string): boolean {
    const removed = removeFrom(this.#members, group, connectionId);
    removeFrom(this.#memberships, connectionId, group);
    return removed;
  }

  removeUserFromGroup(userId: string, group: string): number {
    let removed = 0;
    for (const connectionId of this.#connectionIdsOf(userId)) {
      if (this.remove(connectionId, group)) removed += 1;
    }
    return removed;
  }

  members(group: string): readonly string[] {
    return [...(this.#members.get(group) ?? [])];
  }

  groupsOf(connectionId: string): readonly string[] {
    return [...(this.#memberships.get(connectionId) ?? [])];
  }

  /** The live member set, for broadcasting without copying. */
  memberSet(group: string): ReadonlySet<string> | undefined {
    return this.#members.get(group);
  }

  /** Forgets a closed connection everywhere. */
  removeConnection(connectionId: string): void {
    for (const group of this.#memberships.get(connectionId) ?? []) {
      removeFrom(this.#members, group, connectionId);
    }
    this.#memberships.delete(connectionId);
  }
}

function addTo(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  if (set === undefined) index.set(key, new Set([value]));
  else set.add(value);
}

function removeFrom(index: Map<string, Set<string>>, key: string, value: string): boolean {
  const set = index.get(key);
  if (set === undefined || !set.delete(value)) return false;
  if (set.size === 0) index.delete(key);
  return true;
}
