// A Map used as a bounded memory: a key set again moves to the newest place, and past `max`
// entries the oldest go first (a Map iterates in insertion order). For the caches and
// per-key records that must not grow with what clients send.

/** Sets `key` as the newest entry of `map`, then drops the oldest beyond `max` entries. */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  // Bounded: one pass per entry beyond max, and each removes one.
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
  }
}
