// One session's quality-of-experience record: what the viewer saw (startup, stalls,
// bitrate, switches) and what the network did (downloads per appliance, failovers), with
// the timelines the report draws. Times are milliseconds since the session started.
import type { SimErrorCode } from '../errors.js';
import type { Stall } from './buffer.js';
import type { FailReason } from './failover.js';

export interface DownloadSample {
  /** when the download finished */
  atMs: number;
  applianceId: string;
  bytes: number;
  durationMs: number;
  bitrate: number;
  segment: number;
}

export interface FailoverMark {
  atMs: number;
  from: string;
  /** undefined when the list ran out and the player steered again */
  to: string | undefined;
  reason: FailReason;
  detail: string;
}

export interface SessionErrorEntry {
  atMs: number;
  code: SimErrorCode;
  message: string;
}

/** The access network a viewer played over (client-sim/src/network/). */
export interface NetworkInfo {
  /** preset name, e.g. `cable`, or `custom` */
  profile: string;
  /** downstream bits per second drawn for this viewer (its mean, when it varies) */
  downBps: number;
  /** round-trip time in ms added before every response's first byte */
  rttMs: number;
}

/**
 * Why a session ended. CTA-2066 counts an exit before video start from `abandoned` with
 * `started` false, and a video start failure from `start-failed`.
 */
export type SessionEnd =
  /** the run (or its stop signal) ended it */
  | 'stopped'
  /** the viewer watched as long as it meant to */
  | 'watched'
  /** the title played to its end */
  | 'title-end'
  /** the viewer gave up waiting (startup too long, or stalled too long) */
  | 'abandoned'
  /** no first frame: every steer or first-segment fetch failed */
  | 'start-failed';

export interface SeekMark {
  atMs: number;
  fromSec: number;
  toSec: number;
}

/** An appliance the player stopped using after a failed fetch (exponential back-off). */
export interface ExclusionMark {
  atMs: number;
  applianceId: string;
  /** how long it is skipped for */
  forMs: number;
  reason: FailReason;
}

export interface SessionQoe {
  id: string;
  titleId: string;
  /** unix milliseconds */
  startedAt: number;
  durationMs: number;
  started: boolean;
  startupMs: number | undefined;
  stallCount: number;
  stallMs: number;
  playedSec: number;
  /** bits per second, weighted by segment duration */
  avgBitrate: number;
  switches: number;
  failovers: number;
  steers: number;
  segments: number;
  bytes: number;
  bytesByAppliance: Record<string, number>;
  rules: { throughput: number; bola: number };
  errors: SessionErrorEntry[];
  stalls: Stall[];
  downloads: DownloadSample[];
  failoverMarks: FailoverMark[];
  /** fetch attempts that did not deliver their whole segment (errors, timeouts, abandoned) */
  failedFetches: number;
  /** attempts made for a segment after one of its attempts failed */
  retries: number;
  /** URLs passed over because their appliance was excluded after a failure */
  skips: number;
  /** absent in records written before access networks */
  network?: NetworkInfo;
  /** absent in records written before audiences */
  endReason?: SessionEnd;
  /** where in the title playback began, in seconds (0 unless the viewer resumed mid-title) */
  startPositionSec?: number;
  seeks?: SeekMark[];
  /** the waiting after each seek (the buffer model keeps it apart from `stalls`) */
  seekWaits?: Stall[];
  exclusions?: ExclusionMark[];
}
