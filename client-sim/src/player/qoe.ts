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
}
