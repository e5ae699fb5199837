/**
 * What differs between two versions of a list of configured things (routes, carriers, accounts), by name: those
 * added, removed, and those whose validated content changed. The items are plain validated data, compared as JSON.
 */

/** Names added, removed and changed. */
export interface Changes {
  added: string[];
  removed: string[];
  changed: string[];
}

export function changesByName<T>(
  before: readonly T[],
  after: readonly T[],
  nameOf: (item: T) => string,
): Changes {
  const old = new Map(before.map((item) => [nameOf(item), JSON.stringify(item)]));
  const now = new Map(after.map((item) => [nameOf(item), JSON.stringify(item)]));
  return {
    added: [...now.keys()].filter((name) => !old.has(name)),
    removed: [...old.keys()].filter((name) => !now.has(name)),
    changed: [...now].filter(([name, text]) => old.has(name) && old.get(name) !== text).map(([name]) => name),
  };
}
