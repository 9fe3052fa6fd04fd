// Big route sets are handled in slices with a turn of the event loop between them, so a
// 1M-prefix snapshot never holds up steering for longer than one slice. A few thousand trie
// operations or one 10k-row SQLite transaction take a few milliseconds on a laptop core.

/** Trie inserts/removes or prefix parses per slice. */
export const MODEL_SLICE = 4096;
/** Rows per store transaction or members per Redis command. */
export const STORE_SLICE = 10_000;

/** Lets queued I/O (steering requests) run before the next slice. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Calls `fn` on each item, yielding to the event loop after every `size` items. */
export async function forEachSliced<T>(
  items: Iterable<T>,
  size: number,
  fn: (item: T) => void,
): Promise<void> {
  let n = 0;
  for (const item of items) {
    fn(item);
    if (++n % size === 0) await yieldToLoop();
  }
}

/** `items` in arrays of at most `size`. */
export function* chunksOf<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
