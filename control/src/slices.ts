// Big route sets are handled in slices with a turn of the event loop between them, so a
// 1M-prefix snapshot never holds up steering for long. Slices are cut by time, not by count:
// a steering request needs several turns of the loop (accept, read, answer), each of which
// may wait for one slice, and a count that takes 5 ms on an idle core takes 50 on a busy one.

/** Work per slice before yielding. Measured: 10k-item slices cost 20-25 ms under load and
 * doubled steering's p99; 4 ms keeps it within 100 ms while a 1M-route table swaps in. */
export const SLICE_BUDGET_MS = 4;
/** Items between two looks at the clock (reading it costs about as much as one trie insert). */
const CHECK_EVERY = 64;
/** Rows per Redis command: large enough to be few round trips, small enough to stay cheap. */
export const STORE_SLICE = 10_000;

/** Lets queued I/O (steering requests) run before the next slice. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Tells a loop when its slice has used its time. */
export class SliceClock {
  private started = performance.now();
  private n = 0;

  /** True once the current slice has run for SLICE_BUDGET_MS; looks at the clock every `every` calls. */
  spent(every = CHECK_EVERY): boolean {
    if (++this.n % every !== 0) return false;
    return performance.now() - this.started >= SLICE_BUDGET_MS;
  }

  /** Yields to the event loop and starts a new slice. */
  async yield(): Promise<void> {
    await yieldToLoop();
    this.started = performance.now();
  }
}

/** Calls `fn` on each item, yielding to the event loop whenever a slice has used its time. */
export async function forEachSliced<T>(items: Iterable<T>, fn: (item: T) => void): Promise<void> {
  const clock = new SliceClock();
  for (const item of items) {
    fn(item);
    if (clock.spent()) await clock.yield();
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
