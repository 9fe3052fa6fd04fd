// Fetches one segment's byte range from one URL and judges the transfer while it runs:
// a watchdog asks the failover policy every `checkEveryMs` whether to abandon, and aborts
// the request when it says so. Bytes received are reported even when the attempt fails,
// since the appliance sent them either way.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, request } from 'undici';
import type { AccessLink } from '../network/link.js';
import { readThrottled } from '../network/throttled-read.js';
import { linkedAbort } from './abort.js';
import type { FailReason, SegmentFailover } from './failover.js';

export interface RangeFetch {
  url: string;
  /** First byte (inclusive). */
  start: number;
  length: number;
  dispatcher: Dispatcher;
  failover: SegmentFailover;
  timeToEmptyMs: () => number;
  checkEveryMs: number;
  /** Session stop. */
  signal: AbortSignal;
  now: () => number;
  /** The viewer's access link: its RTT delays the request, its bandwidth paces the body. */
  link?: AccessLink;
}

export type FetchOutcome =
  | { ok: true; bytes: number; durationMs: number }
  | { ok: false; bytes: number; reason: FailReason; detail: string; stopped: boolean };

class Abandon extends Error {
  constructor(
    readonly reason: Exclude<FailReason, 'error'>,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export async function fetchRange(f: RangeFetch): Promise<FetchOutcome> {
  const started = f.now();
  const controller = linkedAbort(f.signal);
  let bytes = 0;
  f.failover.begin();
  const watchdog = setInterval(() => {
    const v = f.failover.check({
      bytesDone: bytes,
      bytesTotal: f.length,
      timeToEmptyMs: f.timeToEmptyMs(),
      ...(f.link ? { accessBps: f.link.currentBps() } : {}),
    });
    if (v.abandon) controller.abort(new Abandon(v.reason, v.detail));
  }, f.checkEveryMs);
  try {
    // One round trip before the first byte (userspace: no netem on this kind of host).
    if (f.link && f.link.rttMs > 0) await sleep(f.link.rttMs, undefined, { signal: controller.signal });
    const res = await request(f.url, {
      method: 'GET',
      dispatcher: f.dispatcher,
      headers: { range: `bytes=${f.start}-${f.start + f.length - 1}` },
      signal: controller.signal,
    });
    if (res.statusCode !== 206) {
      const body = await res.body.text().catch(() => '');
      return {
        ok: false,
        bytes: 0,
        reason: 'error',
        detail: `HTTP ${res.statusCode} ${body.slice(0, 120)}`,
        stopped: false,
      };
    }
    await readThrottled(
      res.body,
      f.link?.bucket,
      (n) => {
        bytes += n;
      },
      controller.signal,
    );
    if (bytes !== f.length) {
      return {
        ok: false,
        bytes,
        reason: 'error',
        detail: `short body: ${bytes} of ${f.length} bytes`,
        stopped: false,
      };
    }
    return { ok: true, bytes, durationMs: f.now() - started };
  } catch (err) {
    const stopped = f.signal.aborted;
    const why = controller.signal.reason;
    if (!stopped && why instanceof Abandon) {
      return { ok: false, bytes, reason: why.reason, detail: why.detail, stopped };
    }
    const detail =
      err instanceof Error ? `${(err as { code?: string }).code ?? err.name} ${err.message}` : String(err);
    return { ok: false, bytes, reason: 'error', detail, stopped };
  } finally {
    clearInterval(watchdog);
    controller.dispose();
  }
}
