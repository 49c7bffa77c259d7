/**
 * "Did you mean": the closest known name to a mistyped one (policy keys, rule ids, commands), by
 * edit distance, compared case-insensitively. Nothing is suggested when no name is close enough to be
 * a typo of the input.
 */

/** Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to `input`, when it is within a third of the input's length in edits (at least one). */
export function closest(input: string, known: Iterable<string>): string | undefined {
  const wanted = input.toLowerCase();
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const lower = name.toLowerCase();
    // A prefix or suffix missing ("nfs" for "storage-nfs") is a likely typo too.
    const distance = lower.includes(wanted) && wanted.length >= 3 ? 1 : editDistance(wanted, lower);
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** " (did you mean X?)" or "". */
export function didYouMean(input: string, known: Iterable<string>): string {
  const name = closest(input, known);
  return name ? ` (did you mean ${name}?)` : "";
}
