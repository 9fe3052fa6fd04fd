// One simulated viewer: steer, then play the title segment by segment — choose a rung
// (ABR), fetch its byte range from the best ranked URL (failover, re-steer), feed the
// buffer model — until the duration is up or the title ends. Returns the QoE record;
// failures are recorded in it, never thrown, since they are what the simulation measures.
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher } from 'undici';
import { type AbrConfig, chooseBitrate } from '../abr/choose-bitrate.js';
import { ThroughputEstimator } from '../abr/throughput-estimator.js';
import { describeError, SimError, type SimErrorCode } from '../errors.js';
import { linkedAbort } from './abort.js';
import { type BufferConfig, BufferModel } from './buffer.js';
import { type Clock, systemClock } from './clock.js';
import { type FailoverConfig, SegmentFailover } from './failover.js';
import type { SessionQoe } from './qoe.js';
import { fetchRange } from './segment-fetch.js';
import { type SteerStream, steer, videoLadder } from './steer-client.js';

export interface SessionOptions {
  /** control base URL, e.g. http://127.0.0.1:8000 */
  control: string;
  titleId: string;
  durationSec: number;
  id?: string;
  /** Source address for every connection (one device among many on a test box). */
  localAddress?: string;
  /** Shared connection pools; when absent the session makes (and closes) its own. */
  dispatcher?: Dispatcher;
  buffer?: Partial<BufferConfig>;
  failover?: Partial<FailoverConfig>;
  abr?: AbrConfig;
  steerTimeoutMs?: number;
  /** Re-steers allowed for one segment before it is recorded as failed and retried later. */
  steersPerSegment?: number;
  /** Refresh the steer this long before its URLs expire. */
  expiryMarginSec?: number;
  clock?: Clock;
  signal?: AbortSignal;
}

interface Steered {
  ladder: SteerStream[];
  expiresAt: number;
}

export async function runSession(opts: SessionOptions): Promise<SessionQoe> {
  const clock = opts.clock ?? systemClock;
  const own = opts.dispatcher
    ? undefined
    : new Agent({ localAddress: opts.localAddress, keepAliveTimeout: 10_000 });
  const dispatcher = opts.dispatcher ?? own!;
  const t0 = clock.now();
  const deadline = linkedAbort(opts.signal, opts.durationSec * 1000);
  const stop = deadline.signal;
  const elapsed = () => clock.now() - t0;
  const buffer = new BufferModel(clock, opts.buffer);
  const estimator = new ThroughputEstimator();
  const qoe: SessionQoe = {
    id: opts.id ?? 'session',
    titleId: opts.titleId,
    startedAt: Date.now(),
    durationMs: 0,
    started: false,
    startupMs: undefined,
    stallCount: 0,
    stallMs: 0,
    playedSec: 0,
    avgBitrate: 0,
    switches: 0,
    failovers: 0,
    steers: 0,
    segments: 0,
    bytes: 0,
    bytesByAppliance: {},
    rules: { throughput: 0, bola: 0 },
    errors: [],
    stalls: [],
    downloads: [],
    failoverMarks: [],
    failedFetches: 0,
    retries: 0,
    skips: 0,
  };
  const record = (code: SimErrorCode, message: string) => qoe.errors.push({ atMs: elapsed(), code, message });
  const addBytes = (applianceId: string, n: number) => {
    qoe.bytes += n;
    qoe.bytesByAppliance[applianceId] = (qoe.bytesByAppliance[applianceId] ?? 0) + n;
  };
  const pause = (ms: number) => sleep(Math.max(0, ms), undefined, { signal: stop }).catch(() => undefined);

  async function doSteer(): Promise<Steered | undefined> {
    qoe.steers++;
    try {
      const res = await steer({
        control: opts.control,
        titleId: opts.titleId,
        dispatcher,
        timeoutMs: opts.steerTimeoutMs ?? 5000,
        signal: stop,
      });
      return { ladder: videoLadder(res), expiresAt: res.expiresAt };
    } catch (err) {
      if (!stop.aborted) {
        record(err instanceof SimError ? err.code : 'FERRY_ERR_SIM_STEER', describeError(err));
      }
      return undefined;
    }
  }

  /** Fetches segment `seg` of rung `stream`; re-steers when every rank fails. */
  async function fetchSegment(stream: SteerStream, seg: number, steered: Steered): Promise<boolean> {
    let urls = stream.urls;
    for (let round = 0; round <= (opts.steersPerSegment ?? 2) && !stop.aborted; round++) {
      const failover = new SegmentFailover(urls, clock, opts.failover);
      const segment = stream.segments[seg]!;
      for (let url = failover.current(); url && !stop.aborted; url = failover.current()) {
        const out = await fetchRange({
          url: url.url,
          start: segment.start,
          length: segment.length,
          dispatcher,
          failover,
          timeToEmptyMs: () => buffer.timeToEmptyMs(),
          checkEveryMs: 50,
          signal: stop,
          now: () => clock.now(),
        });
        if (out.bytes > 0) addBytes(url.applianceId, out.bytes);
        if (out.ok) {
          estimator.add({ bytes: out.bytes, durationMs: out.durationMs });
          qoe.downloads.push({
            atMs: elapsed(),
            applianceId: url.applianceId,
            bytes: out.bytes,
            durationMs: out.durationMs,
            bitrate: stream.bitrate,
            segment: seg,
          });
          collect(failover);
          return true;
        }
        if (out.stopped) break;
        failover.fail(out.reason, out.detail);
      }
      collect(failover);
      if (stop.aborted || round === (opts.steersPerSegment ?? 2)) break;
      const again = await doSteer();
      if (!again) continue;
      Object.assign(steered, again);
      urls = again.ladder.find((s) => s.streamId === stream.streamId)?.urls ?? [];
    }
    if (!stop.aborted) record('FERRY_ERR_SIM_SEGMENT', `segment ${seg} of ${stream.streamId}`);
    return false;
  }

  function collect(failover: SegmentFailover): void {
    qoe.failovers += failover.failovers;
    for (const e of failover.events) {
      qoe.failoverMarks.push({
        atMs: e.at - t0,
        from: e.from.applianceId,
        to: e.to?.applianceId,
        reason: e.reason,
        detail: e.detail,
      });
    }
  }

  try {
    let steered: Steered | undefined;
    for (let attempt = 0; !steered && !stop.aborted; attempt++) {
      steered = await doSteer();
      if (!steered) await pause(Math.min(4000, 250 * 2 ** attempt));
    }
    let lastIndex: number | undefined;
    let usingBola = false;
    let placeholderSec = 0;
    let bitrateSec = 0;
    let mediaSec = 0;
    let seg = 0;
    let failures = 0;
    while (steered && !stop.aborted && seg < steered.ladder[0]!.segments.length) {
      const durationSec = steered.ladder[0]!.segments[seg]!.durationSec;
      await pause(buffer.waitForRoomMs(durationSec));
      if (stop.aborted) break;
      if (Date.now() / 1000 > steered.expiresAt - (opts.expiryMarginSec ?? 5)) {
        steered = (await doSteer()) ?? steered;
      }
      const ladder = steered.ladder;
      const decision = chooseBitrate({
        bitrates: ladder.map((s) => s.bitrate),
        bufferSec: buffer.bufferSec,
        throughputBps: estimator.estimate(),
        lastIndex,
        usingBola,
        placeholderSec,
        ...(opts.abr ? { config: opts.abr } : {}),
      });
      usingBola = decision.usingBola;
      placeholderSec = decision.placeholderSec;
      const stream = ladder[decision.index]!;
      if (!(await fetchSegment(stream, seg, steered))) {
        if (stop.aborted) break;
        // Keep trying the same segment, as a stalled player does, with a bounded backoff.
        await pause(Math.min(4000, 250 * 2 ** failures++));
        continue;
      }
      failures = 0;
      qoe.rules[decision.rule]++;
      if (lastIndex !== undefined && lastIndex !== decision.index) qoe.switches++;
      lastIndex = decision.index;
      buffer.append(durationSec);
      bitrateSec += stream.bitrate * durationSec;
      mediaSec += durationSec;
      qoe.segments++;
      seg++;
      if (seg === ladder[0]!.segments.length) buffer.endOfContent();
    }
    // A title shorter than the session plays out its buffer before the session ends.
    const tail = buffer.timeToEmptyMs();
    if (!stop.aborted && Number.isFinite(tail)) await pause(tail);
    qoe.avgBitrate = mediaSec > 0 ? bitrateSec / mediaSec : 0;
  } finally {
    deadline.dispose();
    // destroy, not close: a transfer cut by the deadline must not hold the session open.
    await own?.destroy();
  }
  const stats = buffer.stats();
  qoe.durationMs = elapsed();
  qoe.started = stats.startupMs !== undefined;
  qoe.startupMs = stats.startupMs;
  qoe.stallCount = stats.stallCount;
  qoe.stallMs = stats.stallMs;
  qoe.playedSec = stats.playedSec;
  qoe.stalls = stats.stalls;
  return qoe;
}
