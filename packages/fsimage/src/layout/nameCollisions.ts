// Deterministic, collision-free identifiers within one directory, shared by the ISO 9660 and Joliet namers.

/** A name split into the part that may be shortened to make room for a counter, and a suffix kept whole. */
export interface NameParts {
  base: string;
  /** Extension without the dot; null when the identifier has no separator. */
  ext: string | null;
  /** The longest the base may be once the extension is fixed. */
  baseMax: number;
}

/**
 * Gives every item a distinct identifier. Items are taken in the caller's order (sorted by original
 * name, so the result is reproducible). An item whose natural identifier is unique keeps it; in a
 * group that maps to the same identifier the first keeps it and the others get the shortest counter
 * suffix that makes them unique ("NAME1", "NAME2", …), never taking another item's natural identifier.
 */
export function assignUniqueIdentifiers<T>(
  items: readonly T[],
  partsOf: (item: T) => NameParts,
  compose: (base: string, ext: string | null) => string,
): Map<T, string> {
  const result = new Map<T, string>();
  const parts = items.map(partsOf);
  const natural = parts.map((p) => compose(p.base, p.ext));
  const used = new Set<string>();
  const collided: number[] = [];
  for (let i = 0; i < items.length; i++) {
    if (used.has(natural[i])) collided.push(i);
    else {
      used.add(natural[i]);
      result.set(items[i], natural[i]);
    }
  }
  for (const i of collided) {
    const p = parts[i];
    for (let n = 1; ; n++) {
      const suffix = String(n);
      const keep = Math.max(0, p.baseMax - suffix.length);
      const candidate = compose(p.base.slice(0, keep) + suffix, p.ext);
      if (!used.has(candidate)) {
        used.add(candidate);
        result.set(items[i], candidate);
        break;
      }
    }
  }
  return result;
}
