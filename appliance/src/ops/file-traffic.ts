// Body traffic per file, counted by the content handler: the bodies in flight from each file
// (eviction waits until a file has none: removing it mid-transfer would cut viewers off, or
// fail the open a request is about to make) and the body bytes served from each file since
// the last heartbeat (`served`: the popularity placement works from).
import type { IncomingHttpHeaders } from 'node:http';
import type { ServedReport } from '@ferry/protocol';

/**
 * Marks a peer's or parent's fill request (fill/http-source.ts), so the serving appliance does
 * not count its bytes as viewers' demand: copies made for placement must not raise a file's
 * popularity, or placement would keep re-ranking files by how they happened to be filled.
 */
export const FILL_REQUEST_HEADER = 'x-ferry-fill';

/**
 * Marks the appliance's own turn-up test range (turnup/facts.ts), sent over loopback: not a
 * viewer's response, so it is left out of the heartbeat's response tally, the responses
 * metric and the bytes served per file. Honoured only from a loopback address.
 */
export const TURNUP_REQUEST_HEADER = 'x-ferry-turnup';

/** The turn-up check's own request (TURNUP_REQUEST_HEADER from loopback). */
export function isTurnupRequest(headers: IncomingHttpHeaders, remoteAddress: string | undefined): boolean {
  if (headers[TURNUP_REQUEST_HEADER] === undefined || remoteAddress === undefined) return false;
  return (
    remoteAddress.startsWith('127.') || remoteAddress === '::1' || remoteAddress.startsWith('::ffff:127.')
  );
}

/** The most files one heartbeat reports (ServedReport's maxItems); the rest wait for the next. */
export const MAX_SERVED_FILES = 100_000;

export class FileTraffic {
  private readonly open = new Map<string, number>();
  private served = new Map<string, number>();

  /** A body from `id` is about to be sent (before the file is opened). */
  begin(id: string): void {
    this.open.set(id, (this.open.get(id) ?? 0) + 1);
  }

  /** That body is done, sent or not. */
  end(id: string): void {
    const n = (this.open.get(id) ?? 0) - 1;
    if (n > 0) this.open.set(id, n);
    else this.open.delete(id);
  }

  inFlight(id: string): number {
    return this.open.get(id) ?? 0;
  }

  /** Every file with bodies in flight now, and how many (a worker's report to its primary). */
  openFiles(): [string, number][] {
    return [...this.open];
  }

  addServed(id: string, bytes: number): void {
    if (bytes > 0) this.served.set(id, (this.served.get(id) ?? 0) + bytes);
  }

  /** The bytes served per file since the last take (at most MAX_SERVED_FILES files). */
  take(): ServedReport {
    const out: ServedReport = [];
    for (const [fileId, bytes] of this.served) {
      if (out.length >= MAX_SERVED_FILES) break;
      out.push({ fileId, bytes });
    }
    if (out.length === this.served.size) this.served = new Map();
    else for (const e of out) this.served.delete(e.fileId);
    return out;
  }

  /** A heartbeat that did not reach control: its counts go into the next one. */
  restore(sent: ServedReport): void {
    for (const e of sent) this.addServed(e.fileId, e.bytes);
  }
}
