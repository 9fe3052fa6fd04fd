// Live view of a running fleet for the progress line. runSession reports only when it
// ends, so each session's requests pass through an undici interceptor that watches them:
// bytes received, finished segment ranges (fed to a shadow BufferModel built from the
// title's segment durations, which says playing or stalled) and failed fetches. These are
// estimates for watching a run; the summary and the report come from the QoE records.
import type { CatalogTitle } from '@ferry/protocol';
import type { Dispatcher } from 'undici';
import { type BufferConfig, BufferModel } from '../player/buffer.js';
import { systemClock } from '../player/clock.js';

export interface LiveSnapshot {
  started: number;
  running: number;
  done: number;
  playing: number;
  stalled: number;
  /** bytes received since the fleet started (rate = difference between snapshots) */
  bytes: number;
  failovers: number;
  errors: number;
}

export class LiveCounters {
  started = 0;
  done = 0;
  bytes = 0;
  /** exact figures of finished sessions, from their QoE records */
  doneFailovers = 0;
  doneErrors = 0;
  readonly viewers = new Set<LiveViewer>();

  snapshot(): LiveSnapshot {
    let playing = 0;
    let stalled = 0;
    let failovers = this.doneFailovers;
    let errors = this.doneErrors;
    for (const v of this.viewers) {
      const s = v.buffer.state;
      if (s === 'playing') playing++;
      else if (s === 'stalled') stalled++;
      failovers += v.failedFetches;
      errors += v.failedSteers;
    }
    return {
      started: this.started,
      running: this.started - this.done,
      done: this.done,
      playing,
      stalled,
      bytes: this.bytes,
      failovers,
      errors,
    };
  }
}

/** Segment durations by stream id and byte offset. */
export type SegmentIndex = Map<string, { durations: Map<number, number>; last: number }>;

export function segmentIndex(titles: readonly CatalogTitle[]): SegmentIndex {
  const index: SegmentIndex = new Map();
  for (const t of titles) {
    for (const s of t.streams) {
      const durations = new Map(s.segments.map((g) => [g.start, g.durationSec] as const));
      index.set(s.streamId, { durations, last: s.segments.at(-1)?.start ?? -1 });
    }
  }
  return index;
}

export class LiveViewer {
  readonly buffer: BufferModel;
  /** failed segment attempts (each moves down the ranks or re-steers: a failover, roughly) */
  failedFetches = 0;
  failedSteers = 0;

  constructor(
    private readonly counters: LiveCounters,
    private readonly index: SegmentIndex,
    bufferConfig?: Partial<BufferConfig>,
  ) {
    this.buffer = new BufferModel(systemClock, bufferConfig);
  }

  /** Wraps a shared dispatcher so this viewer's requests are counted. */
  wrap(dispatcher: Dispatcher): Dispatcher {
    return dispatcher.compose((dispatch) => (opts, handler) => dispatch(opts, this.handler(opts, handler)));
  }

  private handler(
    opts: Dispatcher.DispatchOptions,
    inner: Dispatcher.DispatchHandler,
  ): Dispatcher.DispatchHandler {
    const counters = this.counters;
    // Control's answers (the steer and the segment indexes it names) are not media bytes.
    const isSteer =
      (opts.method === 'POST' && opts.path.startsWith('/v1/steer')) ||
      (opts.method === 'GET' && opts.path.startsWith('/v1/titles/'));
    const segment = isSteer ? undefined : this.segmentOf(opts);
    let status = 0;
    return {
      onRequestStart: (c, ctx) => inner.onRequestStart?.(c, ctx),
      onRequestUpgrade: (c, code, headers, socket) => inner.onRequestUpgrade?.(c, code, headers, socket),
      onResponseStart: (c, code, headers, message) => {
        status = code;
        return inner.onResponseStart?.(c, code, headers, message);
      },
      onResponseData: (c, chunk) => {
        if (!isSteer) counters.bytes += chunk.length;
        return inner.onResponseData?.(c, chunk);
      },
      onResponseEnd: (c, trailers) => {
        if (isSteer && status !== 200 && status !== 304) this.failedSteers++;
        if (segment && status === 206) {
          this.buffer.append(segment.durationSec);
          if (segment.last) this.buffer.endOfContent();
        } else if (!isSteer && status !== 206) this.failedFetches++;
        return inner.onResponseEnd?.(c, trailers);
      },
      onResponseError: (c, err) => {
        if (isSteer) this.failedSteers++;
        else this.failedFetches++;
        return inner.onResponseError?.(c, err);
      },
    };
  }

  private segmentOf(opts: Dispatcher.DispatchOptions): { durationSec: number; last: boolean } | undefined {
    const m = /\/v1\/c\/([^/?]+)/.exec(opts.path);
    const stream = m ? this.index.get(decodeURIComponent(m[1]!)) : undefined;
    const range = headerValue(opts.headers, 'range');
    const start = range ? /bytes=(\d+)-/.exec(range)?.[1] : undefined;
    if (!stream || start === undefined) return undefined;
    const durationSec = stream.durations.get(Number(start));
    return durationSec === undefined ? undefined : { durationSec, last: Number(start) === stream.last };
  }
}

function headerValue(headers: Dispatcher.DispatchOptions['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === name) return String(headers[i + 1]);
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? String(v[0]) : String(v);
  }
  return undefined;
}
