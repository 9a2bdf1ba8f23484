/**
 * The `count` entries with the largest values, largest first; ties go to the smaller key, so
 * the same counts always give the same answer. One pass keeping the best `count` so far: a
 * scrape with thousands of blogs open sorts none of them all.
 */
export function busiest(
  values: ReadonlyMap<number, number>,
  count: number,
): Array<[number, number]> {
  const best: Array<[number, number]> = [];
  if (count <= 0) return best;
  for (const entry of values) {
    if (best.length === count && !ranksAbove(entry, best[count - 1])) continue;
    let at = best.length === count ? count - 1 : best.length;
    // Insertion into the sorted list; when full, the last one falls out.
    for (; at > 0 && ranksAbove(entry, best[at - 1]); at--) best[at] = best[at - 1];
    best[at] = entry;
  }
  return best;
}

function ranksAbove([key, value]: [number, number], [otherKey, otherValue]: [number, number]) {
  return value > otherValue || (value === otherValue && key < otherKey);
}
