// What a shared backend tells its callers about the connection itself, beside the data: is
// it reachable, and is it still the data set this instance wrote to. A Redis restarted
// without persistence (or flushed) answers every command again but holds nothing, so
// "connected" alone cannot tell the write-behind layer (resilient-store.ts) to re-seed it.
export interface StoreLink {
  /**
   * The id of the data set the backend holds now, or undefined when it holds none (came back
   * empty). Rejects when the backend does not answer within its command timeout.
   */
  dataset(): Promise<string | undefined>;
  /** Marks the data set as seeded (first writer wins); resolves to the id now in force. */
  claimDataset(id: string): Promise<string>;
  /**
   * True when a failed call means the backend is away (timed out, connection closed), false
   * when it answered with an error: only an outage is taken in memory, a bug still throws.
   */
  isOutage(err: unknown): boolean;
  /** Called each time the command connection is ready again after a loss. */
  onReconnect(listener: () => void): () => void;
}
