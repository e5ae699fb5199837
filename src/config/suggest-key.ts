/**
 * "Did you mean" for an unknown key: the known key that the typo most likely meant, if any is close enough.
 * Catches camelCase for snake_case (`systemId`), a missing unit suffix (`min_delay`) and small typos.
 */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  const wanted = normalise(unknown);
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const candidate = normalise(key);
    if (candidate === wanted) return key;
    const distance = editDistance(wanted, candidate);
    const prefix =
      wanted.length >= 4 &&
      candidate.length >= 3 &&
      (candidate.startsWith(wanted) || wanted.startsWith(candidate));
    // Two edits are a typo; more than that is usually a different word.
    const score = prefix ? Math.min(distance, 1) : distance;
    if (score <= 2 && (best === undefined || score < best.distance)) best = { key, distance: score };
  }
  return best?.key;
}

function normalise(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, "");
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
