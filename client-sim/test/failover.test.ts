import { describe, expect, it } from 'vitest';
import { type RankedUrl, SegmentFailover } from '../src/player/failover.js';
import { ManualClock } from './manual-clock.js';

const urls: RankedUrl[] = [
  { rank: 2, url: 'http://127.0.0.1:2/v1/c/f', applianceId: 'b', site: 's2' },
  { rank: 1, url: 'http://127.0.0.1:1/v1/c/f', applianceId: 'a', site: 's1' },
  { rank: 3, url: 'http://127.0.0.1:3/v1/c/f', applianceId: 'c', site: 's3' },
];
const config = { requestTimeoutMs: 4000, graceMs: 500 };

describe('segment failover', () => {
  it('tries rank 1 first, then down the list on errors, then asks to steer again', () => {
    const clock = new ManualClock();
    const f = new SegmentFailover(urls, clock, config);
    expect(f.current()?.applianceId).toBe('a');
    expect(f.fail('error', 'ECONNREFUSED')).toEqual({ kind: 'try', url: urls[0] });
    expect(f.fail('error', '503')).toEqual({ kind: 'try', url: urls[2] });
    expect(f.fail('error', '503')).toEqual({ kind: 'resteer' });
    expect(f.current()).toBeUndefined();
    expect(f.failovers).toBe(2);
    expect(f.events.map((e) => [e.from.applianceId, e.to?.applianceId])).toEqual([
      ['a', 'b'],
      ['b', 'c'],
      ['c', undefined],
    ]);
  });

  it('times an attempt out from the moment it began', () => {
    const clock = new ManualClock();
    const f = new SegmentFailover(urls, clock, config);
    clock.advance(10_000);
    f.begin();
    const p = { bytesDone: 0, bytesTotal: 1000, timeToEmptyMs: Number.POSITIVE_INFINITY };
    clock.advance(3999);
    expect(f.check(p).abandon).toBe(false);
    clock.advance(1);
    expect(f.check(p)).toMatchObject({ abandon: true, reason: 'timeout' });
  });

  it('abandons a download projected to finish after the buffer runs dry', () => {
    const clock = new ManualClock();
    const f = new SegmentFailover(urls, clock, config);
    f.begin();
    clock.advance(1000);
    // 100 bytes/ms so far: 9000 bytes left take 90 ms — fine with 1 s of buffer.
    expect(f.check({ bytesDone: 100_000, bytesTotal: 109_000, timeToEmptyMs: 1000 }).abandon).toBe(false);
    // 10 bytes/ms: 90,000 bytes left take 9 s, the buffer lasts 2 s.
    const v = f.check({ bytesDone: 10_000, bytesTotal: 100_000, timeToEmptyMs: 2000 });
    expect(v).toMatchObject({ abandon: true, reason: 'too-slow' });
    // Before playback starts nothing drains, so nothing is too slow.
    expect(
      f.check({ bytesDone: 10, bytesTotal: 100_000, timeToEmptyMs: Number.POSITIVE_INFINITY }).abandon,
    ).toBe(false);
  });

  it('gives a slow attempt its grace period and keeps the last rank going', () => {
    const clock = new ManualClock();
    const f = new SegmentFailover(urls, clock, config);
    f.begin();
    clock.advance(400);
    expect(f.check({ bytesDone: 1, bytesTotal: 1e9, timeToEmptyMs: 100 }).abandon).toBe(false);
    f.fail('error', 'x');
    f.fail('error', 'x');
    f.begin();
    clock.advance(1000);
    expect(f.check({ bytesDone: 1, bytesTotal: 1e9, timeToEmptyMs: 100 }).abandon).toBe(false);
  });

  it('abandons a silent attempt once the wait has outlasted the buffer', () => {
    const clock = new ManualClock();
    const f = new SegmentFailover(urls, clock, config);
    f.begin();
    clock.advance(800);
    expect(f.check({ bytesDone: 0, bytesTotal: 1000, timeToEmptyMs: 1000 }).abandon).toBe(false);
    expect(f.check({ bytesDone: 0, bytesTotal: 1000, timeToEmptyMs: 700 })).toMatchObject({
      abandon: true,
      reason: 'too-slow',
    });
  });
});
