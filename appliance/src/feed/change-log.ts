// A bounded, versioned log of changes, shared by the feeds that go to control (the route
// feed, bgp/report/feed.ts, and the inventory feed, agent/inventory-feed.ts): every change
// bumps the version by one; the last `maxLog` changes are kept so control can ask for what
// changed since the version it holds; an older (or future) version gets nothing, and the
// feed answers with a full report instead.
export class ChangeLog<E> {
  private readonly maxLog: number;
  private versionNow = 0;
  /** log[head] is the change that made version floor + 1 */
  private log: E[] = [];
  private head = 0;
  private floor = 0;

  constructor(maxLog = 100_000) {
    if (!Number.isInteger(maxLog) || maxLog < 1) throw new RangeError('maxLog must be >= 1');
    this.maxLog = maxLog;
  }

  get version(): number {
    return this.versionNow;
  }

  /** Changes still in the log (for status and metrics). */
  get size(): number {
    return this.log.length - this.head;
  }

  append(entry: E): void {
    this.versionNow++;
    this.log.push(entry);
    if (this.log.length - this.head > this.maxLog) {
      this.head++;
      this.floor++;
      // Compact once the dropped part is as large as the kept part: amortised O(1) per change.
      if (this.head >= this.maxLog) {
        this.log = this.log.slice(this.head);
        this.head = 0;
      }
    }
  }

  /** The changes after version `since`, oldest first; undefined when the log cannot tell. */
  since(since: number): E[] | undefined {
    if (!Number.isInteger(since) || since < this.floor || since > this.versionNow) return undefined;
    return this.log.slice(this.head + (since - this.floor));
  }
}
