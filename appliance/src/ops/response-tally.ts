// Content responses since this boot, for the heartbeat (Heartbeat.responses): all of them,
// and those that failed the viewer — a 5xx, or a body cut short (a transfer that did not
// complete, a chaos reset). Control's chaos abort conditions read the failed share.
export class ResponseTally {
  private totalCount = 0;
  private failedCount = 0;

  record(status: number, completed: boolean): void {
    this.totalCount++;
    if (status >= 500 || !completed) this.failedCount++;
  }

  /** Adds another process's responses (a worker's, summed into the primary's heartbeat). */
  add(counts: { total: number; failed: number }): void {
    this.totalCount += counts.total;
    this.failedCount += counts.failed;
  }

  snapshot(): { total: number; failed: number } {
    return { total: this.totalCount, failed: this.failedCount };
  }
}
