// What the viewer sees, in wall-clock time: the buffer fills as segments arrive and drains
// in real time while playing. Playback starts once `startupSec` is buffered (startup time
// is measured from session start, so it includes steering and the first downloads); an
// empty buffer is a stall, and playback resumes only after `rebufferSec` is back, as
// players do to avoid stalling again at once (dash.js waits for a segment, ExoPlayer for
// 5 s by default). Fetching pauses while the buffer is at `maxBufferSec`.
// A seek flushes the buffer and waits for `rebufferSec` at the new position; that wait is
// kept apart from stalls (CTA-2066 does not count seek-induced waiting as rebuffering), in
// `seekWaits`, so a report can tell the two apart.

import type { Clock } from './clock.js';

export interface BufferConfig {
  startupSec: number;
  rebufferSec: number;
  maxBufferSec: number;
}

export const DEFAULT_BUFFER_CONFIG: BufferConfig = { startupSec: 4, rebufferSec: 4, maxBufferSec: 30 };

export type PlaybackState = 'startup' | 'playing' | 'stalled' | 'seeking' | 'ended';

export interface Stall {
  /** ms since session start */
  startMs: number;
  /** undefined while the stall goes on */
  endMs?: number;
}

export interface BufferStats {
  state: PlaybackState;
  startupMs: number | undefined;
  stallCount: number;
  stallMs: number;
  playedSec: number;
  bufferSec: number;
  stalls: Stall[];
  /** waits after seeks (not stalls); same shape as a stall */
  seekWaits: Stall[];
  seekWaitMs: number;
}

export class BufferModel {
  private readonly config: BufferConfig;
  private readonly startedAt: number;
  private last: number;
  private level = 0;
  private playing: PlaybackState = 'startup';
  private contentEnded = false;
  private startupMs: number | undefined;
  private played = 0;
  private stalledMs = 0;
  private readonly stallList: Stall[] = [];
  private readonly seekList: Stall[] = [];
  private seekMs = 0;

  constructor(
    private readonly clock: Clock,
    config: Partial<BufferConfig> = {},
  ) {
    this.config = { ...DEFAULT_BUFFER_CONFIG, ...config };
    if (this.config.maxBufferSec < this.config.startupSec) {
      throw new RangeError('maxBufferSec must be at least startupSec');
    }
    this.startedAt = clock.now();
    this.last = this.startedAt;
  }

  /** Plays out the time since the last call; an empty buffer becomes a stall at the moment it ran dry. */
  update(): void {
    const now = this.clock.now();
    const elapsedSec = (now - this.last) / 1000;
    if (this.playing === 'playing' && elapsedSec > 0) {
      if (elapsedSec < this.level) {
        this.level -= elapsedSec;
        this.played += elapsedSec;
      } else {
        const emptyAt = this.last + this.level * 1000;
        this.played += this.level;
        this.level = 0;
        if (this.contentEnded) {
          this.playing = 'ended';
        } else {
          this.playing = 'stalled';
          this.stallList.push({ startMs: emptyAt - this.startedAt });
        }
      }
    }
    this.last = now;
  }

  /** A downloaded segment of `durationSec` media. */
  append(durationSec: number): void {
    this.update();
    this.level += durationSec;
    this.maybeStart();
  }

  /** No more segments will come: play out what is buffered, even below the thresholds. */
  endOfContent(): void {
    this.update();
    this.contentEnded = true;
    this.maybeStart();
  }

  private maybeStart(): void {
    const now = this.clock.now();
    const ready = (threshold: number) => this.level >= threshold || (this.contentEnded && this.level > 0);
    if (this.playing === 'startup' && ready(this.config.startupSec)) {
      this.playing = 'playing';
      this.startupMs = now - this.startedAt;
    } else if (this.playing === 'stalled' && ready(this.config.rebufferSec)) {
      this.playing = 'playing';
      const stall = this.stallList[this.stallList.length - 1]!;
      stall.endMs = now - this.startedAt;
      this.stalledMs += stall.endMs - stall.startMs;
    } else if (this.playing === 'seeking' && ready(this.config.rebufferSec)) {
      this.playing = 'playing';
      const wait = this.seekList[this.seekList.length - 1]!;
      wait.endMs = now - this.startedAt;
      this.seekMs += wait.endMs - wait.startMs;
    } else if (this.contentEnded && this.level === 0 && this.playing !== 'playing') {
      this.playing = 'ended';
    }
  }

  /**
   * The viewer jumped elsewhere in the title: the buffer is flushed, a stall in progress
   * ends here, and playback waits for `rebufferSec` at the new position (a seek wait, not a
   * stall). Before the first start a seek only flushes: startup goes on.
   */
  seek(): void {
    this.update();
    this.level = 0;
    this.contentEnded = false;
    const now = this.clock.now() - this.startedAt;
    if (this.playing === 'startup') return;
    if (this.playing === 'stalled') {
      const stall = this.stallList[this.stallList.length - 1]!;
      stall.endMs = now;
      this.stalledMs += stall.endMs - stall.startMs;
    }
    if (this.playing === 'seeking') {
      const wait = this.seekList[this.seekList.length - 1]!;
      wait.endMs = now;
      this.seekMs += wait.endMs - wait.startMs;
    }
    this.playing = 'seeking';
    this.seekList.push({ startMs: now });
  }

  /** ms the current stall has lasted; 0 when not stalled. */
  stallingForMs(): number {
    this.update();
    const open = this.stallList[this.stallList.length - 1];
    return this.playing === 'stalled' && open ? this.clock.now() - this.startedAt - open.startMs : 0;
  }

  get bufferSec(): number {
    this.update();
    return this.level;
  }

  get state(): PlaybackState {
    this.update();
    return this.playing;
  }

  /** Milliseconds until a segment of `durationSec` fits under maxBufferSec (0 when it fits now). */
  waitForRoomMs(durationSec: number): number {
    this.update();
    const over = this.level + durationSec - this.config.maxBufferSec;
    if (over <= 0) return 0;
    // Only playback makes room; while not playing the buffer is below startup/rebuffer level.
    return this.playing === 'playing' ? over * 1000 : 0;
  }

  /** Milliseconds of playback left before a stall; Infinity while not playing (nothing drains). */
  timeToEmptyMs(): number {
    this.update();
    return this.playing === 'playing' ? this.level * 1000 : Number.POSITIVE_INFINITY;
  }

  stats(): BufferStats {
    this.update();
    const now = this.clock.now() - this.startedAt;
    const open = this.stallList[this.stallList.length - 1];
    const ongoing = open && open.endMs === undefined ? now - open.startMs : 0;
    const seekOpen = this.seekList[this.seekList.length - 1];
    const seekOngoing = seekOpen && seekOpen.endMs === undefined ? now - seekOpen.startMs : 0;
    return {
      state: this.playing,
      startupMs: this.startupMs,
      stallCount: this.stallList.length,
      stallMs: this.stalledMs + ongoing,
      playedSec: this.played,
      bufferSec: this.level,
      stalls: this.stallList.map((s) => ({ ...s })),
      seekWaits: this.seekList.map((s) => ({ ...s })),
      seekWaitMs: this.seekMs + seekOngoing,
    };
  }
}
