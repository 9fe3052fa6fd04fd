// One simulated viewer: steer, then play the title segment by segment — choose a rung
// (ABR), fetch its byte range from the best ranked appliance it has not excluded (failover,
// back-off, re-steer), through its access link, feed the buffer model — until the viewer
// stops watching, gives up, the run ends or the title ends. Returns the QoE record;
// failures are recorded in it, never thrown, since they are what the simulation measures.
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher } from 'undici';
import { type AbrConfig, chooseBitrate } from '../abr/choose-bitrate.js';
import { ThroughputEstimator } from '../abr/throughput-estimator.js';
import { describeError, SimError, type SimErrorCode } from '../errors.js';
import { AccessLink } from '../network/link.js';
import { networkInfo, type ViewerNetwork } from '../network/viewer-network.js';
import { linkedAbort } from './abort.js';
import { type BufferConfig, BufferModel } from './buffer.js';
import { type Clock, systemClock } from './clock.js';
import { type ExclusionConfig, ExclusionList } from './exclusion.js';
import { type FailoverConfig, type RankedUrl, SegmentFailover } from './failover.js';
import type { SessionEnd, SessionQoe } from './qoe.js';
import { fetchRange } from './segment-fetch.js';
import { type PlayerStream, SegmentIndexCache, steer, steeredLadder } from './steer-client.js';

/** A jump the viewer makes: at `atSec` into the session, to a fraction of the title. */
export interface PlannedSeek {
  atSec: number;
  /** 0 … 1 of the title's duration */
  toFraction: number;
}

export interface SessionOptions {
  /** control base URL, e.g. http://127.0.0.1:8000 */
  control: string;
  titleId: string;
  /** the longest the session may run (the run's remaining time) */
  durationSec: number;
  id?: string;
  /** Source address for every connection (one device among many on a test box). */
  localAddress?: string;
  /** Shared connection pools; when absent the session makes (and closes) its own. */
  dispatcher?: Dispatcher;
  buffer?: Partial<BufferConfig>;
  failover?: Partial<FailoverConfig>;
  exclusion?: Partial<ExclusionConfig>;
  abr?: AbrConfig;
  steerTimeoutMs?: number;
  /** Re-steers allowed for one segment before it is recorded as failed and retried later. */
  steersPerSegment?: number;
  /** Refresh the steer this long before its URLs expire. */
  expiryMarginSec?: number;
  /** The viewer's access network; absent: unlimited (loopback speed, no RTT). */
  network?: ViewerNetwork;
  /** How long the viewer means to watch; past `durationSec` it is cut by the run. */
  watchSec?: number;
  /** Gives up when playback has not started after this long. */
  startupPatienceSec?: number;
  /** Gives up when one stall lasts this long. */
  stallPatienceSec?: number;
  /** Where in the title playback begins, as a fraction of its duration (resume). */
  startFraction?: number;
  seeks?: readonly PlannedSeek[];
  clock?: Clock;
  signal?: AbortSignal;
  /** Segment indexes shared by a run's sessions; absent: the session keeps its own. */
  segmentIndexes?: SegmentIndexCache;
}

interface Steered {
  ladder: PlayerStream[];
  expiresAt: number;
}

/** How often the abandonment watch looks at the buffer. */
const PATIENCE_CHECK_MS = 250;

function segmentAt(stream: PlayerStream, positionSec: number): { index: number; startSec: number } {
  let t = 0;
  for (let i = 0; i < stream.segments.length; i++) {
    const d = stream.segments[i]!.durationSec;
    if (positionSec < t + d) return { index: i, startSec: t };
    t += d;
  }
  const last = Math.max(0, stream.segments.length - 1);
  return { index: last, startSec: t - (stream.segments[last]?.durationSec ?? 0) };
}

export async function runSession(opts: SessionOptions): Promise<SessionQoe> {
  const clock = opts.clock ?? systemClock;
  const own = opts.dispatcher
    ? undefined
    : new Agent({ localAddress: opts.localAddress, keepAliveTimeout: 10_000 });
  const dispatcher = opts.dispatcher ?? own!;
  const t0 = clock.now();
  const watchSec = opts.watchSec ?? Number.POSITIVE_INFINITY;
  const limitSec = Math.min(opts.durationSec, watchSec);
  const deadline = linkedAbort(opts.signal, limitSec * 1000);
  const stop = deadline.signal;
  const elapsed = () => clock.now() - t0;
  const buffer = new BufferModel(clock, opts.buffer);
  const estimator = new ThroughputEstimator();
  const exclusions = new ExclusionList(clock, opts.exclusion);
  const link = opts.network ? new AccessLink(opts.network, () => clock.now()) : undefined;
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
    ...(opts.network ? { network: networkInfo(opts.network) } : {}),
    startPositionSec: 0,
    seeks: [],
    exclusions: [],
  };
  const record = (code: SimErrorCode, message: string) => qoe.errors.push({ atMs: elapsed(), code, message });
  const addBytes = (applianceId: string, n: number) => {
    qoe.bytes += n;
    qoe.bytesByAppliance[applianceId] = (qoe.bytesByAppliance[applianceId] ?? 0) + n;
  };
  const pause = (ms: number) => sleep(Math.max(0, ms), undefined, { signal: stop }).catch(() => undefined);

  // Abandonment: the viewer gives up on a startup that takes too long, or on one long stall.
  let abandoned = false;
  const patience =
    opts.startupPatienceSec !== undefined || opts.stallPatienceSec !== undefined
      ? setInterval(() => {
          const tooLongToStart =
            opts.startupPatienceSec !== undefined &&
            buffer.stats().startupMs === undefined &&
            elapsed() >= opts.startupPatienceSec * 1000;
          const tooLongStalled =
            opts.stallPatienceSec !== undefined && buffer.stallingForMs() >= opts.stallPatienceSec * 1000;
          if (tooLongToStart || tooLongStalled) {
            abandoned = true;
            deadline.abort(new Error('viewer gave up'));
          }
        }, PATIENCE_CHECK_MS)
      : undefined;

  const segmentIndexes = opts.segmentIndexes ?? new SegmentIndexCache(16);
  let lastSteerAt = -Infinity;
  async function doSteer(): Promise<Steered | undefined> {
    qoe.steers++;
    lastSteerAt = clock.now();
    try {
      const call = {
        control: opts.control,
        dispatcher,
        timeoutMs: opts.steerTimeoutMs ?? 5000,
        signal: stop,
      };
      const res = await steer({ ...call, titleId: opts.titleId });
      return { ladder: await steeredLadder(call, res, segmentIndexes), expiresAt: res.expiresAt };
    } catch (err) {
      if (!stop.aborted) {
        record(err instanceof SimError ? err.code : 'FERRY_ERR_SIM_STEER', describeError(err));
      }
      return undefined;
    }
  }

  // Whether an attempt for the segment being fetched has already failed (then later
  // attempts for it are retries).
  let segmentFailed = false;

  /** The URLs to try, best rank first, without excluded appliances (counted as skips). */
  function candidates(urls: readonly RankedUrl[], lastResort: boolean): RankedUrl[] {
    const ranked = [...urls].sort((a, b) => a.rank - b.rank);
    const { usable, skipped } = exclusions.filter(ranked);
    qoe.skips += skipped.length;
    if (usable.length > 0 || !lastResort) return usable;
    // Everything is excluded even after a fresh steer: never starve, try the appliance
    // whose exclusion ends first.
    const soonest = exclusions.soonest(ranked);
    return soonest ? [soonest] : [];
  }

  /** Fetches segment `seg` of rung `stream`; re-steers when every usable rank fails. */
  async function fetchSegment(stream: PlayerStream, seg: number, steered: Steered): Promise<boolean> {
    const maxRounds = opts.steersPerSegment ?? 2;
    let urls = stream.urls;
    let fresh = false;
    for (let round = 0; round <= maxRounds && !stop.aborted; round++) {
      const list = candidates(urls, fresh || round === maxRounds);
      const failover = new SegmentFailover(list, clock, opts.failover);
      const segment = stream.segments[seg]!;
      for (let url = failover.current(); url && !stop.aborted; url = failover.current()) {
        if (segmentFailed) qoe.retries++;
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
          ...(link ? { link } : {}),
        });
        if (out.bytes > 0) addBytes(url.applianceId, out.bytes);
        if (out.ok) {
          exclusions.succeed(url.applianceId);
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
        qoe.failedFetches++;
        segmentFailed = true;
        qoe.exclusions!.push(exclusions.fail(url.applianceId, out.reason, t0));
        failover.fail(out.reason, out.detail);
      }
      collect(failover);
      if (stop.aborted || round === maxRounds) break;
      const again = await doSteer();
      fresh = true;
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

  let titleEnded = false;
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
    let failures = 0;
    const first = steered?.ladder[0];
    const titleSec = first ? first.segments.reduce((s, x) => s + x.durationSec, 0) : 0;
    const startAt = first
      ? segmentAt(first, Math.min(1, Math.max(0, opts.startFraction ?? 0)) * titleSec)
      : { index: 0, startSec: 0 };
    let seg = startAt.index;
    qoe.startPositionSec = startAt.startSec;
    // Title position where the current stretch of playback began, and playedSec then.
    let stretchStartSec = startAt.startSec;
    let stretchPlayedSec = 0;
    const seeks = [...(opts.seeks ?? [])].sort((a, b) => a.atSec - b.atSec);
    let nextSeek = 0;
    const untilSeekMs = () =>
      nextSeek < seeks.length ? seeks[nextSeek]!.atSec * 1000 - elapsed() : Number.POSITIVE_INFINITY;
    while (steered && !stop.aborted) {
      // A due seek: flush, jump, and go on fetching from the new position.
      if (first && untilSeekMs() <= 0) {
        const s = seeks[nextSeek++]!;
        const fromSec = stretchStartSec + (buffer.stats().playedSec - stretchPlayedSec);
        const to = segmentAt(first, Math.min(1, Math.max(0, s.toFraction)) * titleSec);
        buffer.seek();
        qoe.seeks!.push({ atMs: elapsed(), fromSec, toSec: to.startSec });
        seg = to.index;
        stretchStartSec = to.startSec;
        stretchPlayedSec = buffer.stats().playedSec;
        segmentFailed = false;
        titleEnded = false;
      }
      if (seg >= steered.ladder[0]!.segments.length) {
        // Everything up to the end is buffered: play it out, unless a seek comes first.
        const tail = buffer.timeToEmptyMs();
        const tailMs = Number.isFinite(tail) ? tail : 0;
        const toSeek = untilSeekMs();
        if (toSeek <= tailMs) {
          // (+1 ms: a timer may fire a little early on the monotonic clock)
          await pause(Math.max(0, toSeek) + 1);
          continue;
        }
        if (tailMs > 0) await pause(tailMs);
        if (stop.aborted) continue;
        titleEnded = true;
        break;
      }
      const durationSec = steered.ladder[0]!.segments[seg]!.durationSec;
      const room = buffer.waitForRoomMs(durationSec);
      if (room > 0) {
        await pause(Math.min(room, untilSeekMs() + 1));
        continue;
      }
      if (stop.aborted) break;
      // Re-steer when the URLs are about to expire, or when an exclusion has ended since the
      // last steer: control may have taken that appliance out, so ask before trying it again.
      const endedExclusion = exclusions.nextEndAfter(lastSteerAt);
      if (
        Date.now() / 1000 > steered.expiresAt - (opts.expiryMarginSec ?? 5) ||
        (endedExclusion !== undefined && endedExclusion <= clock.now())
      ) {
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
      segmentFailed = false;
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
    qoe.avgBitrate = mediaSec > 0 ? bitrateSec / mediaSec : 0;
  } finally {
    if (patience) clearInterval(patience);
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
  qoe.seekWaits = stats.seekWaits;
  qoe.endReason = endReason({
    abandoned,
    titleEnded,
    started: qoe.started,
    failedToStart: !qoe.started && qoe.errors.length > 0,
    watchedOut: watchSec <= opts.durationSec && qoe.durationMs >= watchSec * 1000 - 50,
    parentStopped: opts.signal?.aborted === true,
  });
  return qoe;
}

function endReason(s: {
  abandoned: boolean;
  titleEnded: boolean;
  started: boolean;
  failedToStart: boolean;
  watchedOut: boolean;
  parentStopped: boolean;
}): SessionEnd {
  if (s.abandoned) return 'abandoned';
  if (s.titleEnded) return 'title-end';
  if (s.failedToStart) return 'start-failed';
  if (s.watchedOut && !s.parentStopped) return 'watched';
  return 'stopped';
}
