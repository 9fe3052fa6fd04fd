import { describe, expect, it } from 'vitest';
import { BufferModel } from '../src/player/buffer.js';
import { ManualClock } from './manual-clock.js';

describe('buffer model', () => {
  it('starts playback once startupSec is buffered, startup time from session start', () => {
    const clock = new ManualClock();
    const b = new BufferModel(clock, { startupSec: 4, rebufferSec: 4, maxBufferSec: 30 });
    clock.advance(300);
    b.append(2);
    expect(b.state).toBe('startup');
    clock.advance(200);
    b.append(2);
    expect(b.state).toBe('playing');
    expect(b.stats().startupMs).toBe(500);
  });

  it('drains in real time', () => {
    const clock = new ManualClock();
    const b = new BufferModel(clock, { startupSec: 4 });
    b.append(10);
    clock.advance(2500);
    expect(b.bufferSec).toBeCloseTo(7.5);
    expect(b.stats().playedSec).toBeCloseTo(2.5);
  });

  it('stalls when empty, counts the stall from the moment it ran dry, resumes at rebufferSec', () => {
    const clock = new ManualClock();
    const b = new BufferModel(clock, { startupSec: 4, rebufferSec: 3 });
    b.append(4);
    clock.advance(6000);
    expect(b.state).toBe('stalled');
    expect(b.stats()).toMatchObject({ stallCount: 1, stallMs: 2000 });
    b.append(2);
    expect(b.state).toBe('stalled');
    clock.advance(1000);
    b.append(2);
    expect(b.state).toBe('playing');
    const s = b.stats();
    expect(s.stallCount).toBe(1);
    expect(s.stallMs).toBe(3000);
    expect(s.stalls).toEqual([{ startMs: 4000, endMs: 7000 }]);
    clock.advance(10_000);
    expect(b.stats()).toMatchObject({ stallCount: 2, state: 'stalled' });
  });

  it('asks the fetcher to wait while the buffer is full', () => {
    const clock = new ManualClock();
    const b = new BufferModel(clock, { startupSec: 4, maxBufferSec: 10 });
    b.append(4);
    b.append(4);
    expect(b.waitForRoomMs(2)).toBe(0);
    expect(b.waitForRoomMs(4)).toBe(2000);
    clock.advance(2000);
    expect(b.waitForRoomMs(4)).toBe(0);
  });

  it('plays out the tail after the last segment without counting a stall', () => {
    const clock = new ManualClock();
    const b = new BufferModel(clock, { startupSec: 4 });
    b.append(2);
    b.endOfContent();
    expect(b.state).toBe('playing');
    clock.advance(5000);
    expect(b.stats()).toMatchObject({ state: 'ended', stallCount: 0, playedSec: 2 });
  });

  it('reports time to empty only while playing', () => {
    const clock = new ManualClock();
    const b = new BufferModel(clock, { startupSec: 4 });
    b.append(2);
    expect(b.timeToEmptyMs()).toBe(Number.POSITIVE_INFINITY);
    b.append(3);
    clock.advance(1000);
    expect(b.timeToEmptyMs()).toBe(4000);
  });
  it('a seek flushes the buffer and waits apart from stalls; a stall in progress ends at the seek', () => {
    const clock = new ManualClock();
    const b = new BufferModel(clock, { startupSec: 2, rebufferSec: 2 });
    b.append(4);
    clock.advance(1000);
    b.seek();
    expect(b.state).toBe('seeking');
    expect(b.bufferSec).toBe(0);
    clock.advance(700);
    expect(b.timeToEmptyMs()).toBe(Number.POSITIVE_INFINITY);
    b.append(2);
    expect(b.state).toBe('playing');
    let st = b.stats();
    expect(st.stallCount).toBe(0);
    expect(st.seekWaits).toEqual([{ startMs: 1000, endMs: 1700 }]);
    expect(st.seekWaitMs).toBe(700);
    // Run dry: a stall; a seek during it ends the stall there and starts a seek wait.
    clock.advance(3000);
    expect(b.state).toBe('stalled');
    b.seek();
    st = b.stats();
    expect(st.stalls).toEqual([{ startMs: 3700, endMs: 4700 }]);
    expect(st.stallMs).toBe(1000);
    expect(st.seekWaits).toHaveLength(2);
    expect(b.stallingForMs()).toBe(0);
  });
});
