/** The candidate spelt most like `name` (fewest single-character edits), to suggest for a typo. */
export function closestName(name: string, candidates: readonly string[]): string {
  let closest = candidates[0];
  let fewest = Infinity;
  for (const candidate of candidates) {
    const edits = editDistance(name, candidate);
    if (edits < fewest) [closest, fewest] = [candidate, edits];
  }
  return closest;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}
