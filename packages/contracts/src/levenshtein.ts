/**
 * Edit distance between two strings: insertions, deletions, substitutions and transpositions of
 * adjacent characters ("nmae" -> "name" is 1), each costing 1 (optimal string alignment).
 */
export function levenshtein(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i]!;
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The allowed word closest to `word` (case-insensitive), when it is a near miss: within a third
 * of the longer word's length (at least 1 edit, at most 3), or one contains the other ("labels"
 * for "labelNames"). Undefined when nothing is close.
 */
export function closestMatch(word: string, allowed: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: { word: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance = levenshtein(lower, candidate.toLowerCase());
    const limit = Math.min(3, Math.max(1, Math.floor(Math.max(word.length, candidate.length) / 3)));
    const contains = lower.length >= 4 && candidate.toLowerCase().includes(lower);
    if ((distance <= limit || contains) && (!best || distance < best.distance)) best = { word: candidate, distance };
  }
  return best?.word;
}
