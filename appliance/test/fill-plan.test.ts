// The pure parts of fill, on tables: what a manifest asks of a store (plan.ts), which files
// start, the retry backoff, stale partials, the fill window, the rate meter, and the served
// bytes per file that heartbeats carry.
import { describe, expect, it } from 'vitest';
import { nextToStart, planFill, RETRY_MAX_MS, retryDelayMs, stalePartials } from '../src/fill/plan.js';
import { RateMeter } from '../src/fill/rate.js';
import { checkedStart, parseContentRange, sourceName } from '../src/fill/source.js';
import { formatFillWindow, parseFillWindow, windowOpen } from '../src/fill/window.js';
import { FileTraffic, MAX_SERVED_FILES } from '../src/ops/file-traffic.js';
import { manifestOf } from './support/fill-fixture.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const file = (fileId: string, sha256 = A, size = 10) => ({ fileId, size, sha256, sources: [] });

describe('planFill', () => {
  it('wants what the manifest lists in its version, evicts the rest', () => {
    const m = manifestOf('x', [file('f1'), file('f2'), file('f3', B), file('f1')], { drop: ['old'] });
    const held = new Map([
      ['f1', { sha256: A, size: 10 }],
      ['f3', { sha256: A, size: 10 }],
      ['old', { sha256: A, size: 10 }],
      ['stray', { sha256: A, size: 10 }],
    ]);
    const plan = planFill(m, held);
    // f3 is held in another version: fetched again. f1 is listed twice: counted once.
    expect(plan.missing.map((f) => f.fileId)).toEqual(['f2', 'f3']);
    expect(plan.heldWanted).toBe(1);
    // Dropped, or left out of the manifest: both go.
    expect(plan.unwanted.sort()).toEqual(['old', 'stray']);
  });

  it('keeps a file that is both wanted and in drop', () => {
    const plan = planFill(
      manifestOf('x', [file('f1')], { drop: ['f1'] }),
      new Map([['f1', { sha256: A, size: 10 }]]),
    );
    expect(plan).toEqual({ missing: [], unwanted: [], heldWanted: 1 });
  });

  it('counts a held file of another size as missing', () => {
    const plan = planFill(manifestOf('x', [file('f1', A, 11)]), new Map([['f1', { sha256: A, size: 10 }]]));
    expect(plan.missing.map((f) => f.fileId)).toEqual(['f1']);
  });
});

describe('nextToStart', () => {
  const missing = ['f1', 'f2', 'f3', 'f4'].map((id) => file(id));
  it.each([
    ['the first ones, in manifest order', new Set<string>(), new Map<string, number>(), 2, ['f1', 'f2']],
    ['skipping those running', new Set(['f1']), new Map<string, number>(), 2, ['f2', 'f3']],
    ['skipping those waiting for a retry', new Set<string>(), new Map([['f2', 2000]]), 2, ['f1', 'f3']],
    ['taking those whose retry is due', new Set<string>(), new Map([['f1', 1000]]), 1, ['f1']],
    ['none without a slot', new Set<string>(), new Map<string, number>(), 0, []],
  ])('starts %s', (_what, busy, retryAt, slots, want) => {
    expect(nextToStart(missing, busy, retryAt, 1000, slots).map((f) => f.fileId)).toEqual(want);
  });
});

describe('retryDelayMs', () => {
  it.each([
    [1, 0, 2500],
    [1, 1, 5000],
    [2, 1, 10_000],
    [4, 1, 40_000],
    [30, 1, RETRY_MAX_MS],
    [30, 0, RETRY_MAX_MS / 2],
  ])('round %i with random %d waits %i ms', (rounds, random, want) => {
    expect(retryDelayMs(rounds, 5000, () => random)).toBe(want);
  });
});

describe('stalePartials', () => {
  it('keeps only partials of wanted versions', () => {
    const m = manifestOf('x', [file('f1'), file('f2', B)]);
    const names = [
      `f1+${A.slice(0, 16)}`,
      `f2+${A.slice(0, 16)}`,
      `f2+${B.slice(0, 16)}`,
      `gone+${A.slice(0, 16)}`,
    ];
    expect(stalePartials(names, m)).toEqual([`f2+${A.slice(0, 16)}`, `gone+${A.slice(0, 16)}`]);
  });
});

describe('fill window', () => {
  const at = (h: number, m: number) => new Date(2026, 0, 15, h, m);
  it.each([
    ['always', at(3, 0), true],
    ['02:00-14:00', at(1, 59), false],
    ['02:00-14:00', at(2, 0), true],
    ['02:00-14:00', at(13, 59), true],
    ['02:00-14:00', at(14, 0), false],
    ['22:00-06:00', at(23, 30), true],
    ['22:00-06:00', at(0, 0), true],
    ['22:00-06:00', at(6, 0), false],
    ['22:00-06:00', at(12, 0), false],
  ])('%s at %s is open: %s', (text, date, open) => {
    const w = parseFillWindow(text);
    if ('error' in w) throw new Error(w.error);
    expect(windowOpen(w, date)).toBe(open);
    expect(formatFillWindow(w)).toBe(text);
  });

  it.each([
    '',
    'never',
    '2:00-14:00',
    '02:00',
    '02:00-24:00',
    '02:60-03:00',
    '05:00-05:00',
    '01:00-02:00-03:00',
  ])('refuses %j', (text) => {
    expect(parseFillWindow(text)).toHaveProperty('error');
  });
});

describe('RateMeter', () => {
  it('averages the last five whole seconds', () => {
    let now = 10_000;
    const m = new RateMeter(5, () => now);
    m.add(1000);
    now += 1000;
    m.add(4000);
    now += 1000;
    expect(m.rate()).toBe(1000);
    now += 10_000;
    expect(m.rate()).toBe(0);
  });
});

describe('source answers', () => {
  const f = { fileId: 'f', size: 1000, sha256: A, sources: [] };
  it.each([
    ['the rest from the offset', { partial: true, contentRange: 'bytes 400-999/1000' }, 400, 400],
    ['the whole file instead', { partial: false, length: 1000 }, 400, 0],
  ])('accepts %s', (_what, answer, from, start) => {
    expect(checkedStart(f, from, answer)).toBe(start);
  });

  it.each([
    ['another total', { partial: true, contentRange: 'bytes 400-999/2000' }],
    ['another start', { partial: true, contentRange: 'bytes 0-999/1000' }],
    ['a short range', { partial: true, contentRange: 'bytes 400-500/1000' }],
    ['no Content-Range', { partial: true }],
    ['a whole file of another size', { partial: false, length: 999 }],
  ])('refuses %s', (_what, answer) => {
    expect(() => checkedStart(f, 400, answer)).toThrow();
  });

  it('parses Content-Range and names sources', () => {
    expect(parseContentRange('bytes 0-9/10')).toEqual({ first: 0, last: 9, total: 10 });
    expect(parseContentRange('bytes 5-4/10')).toBeNull();
    expect(parseContentRange('bytes */10')).toBeNull();
    expect(sourceName({ kind: 'peer', applianceId: 'oca-2', url: 'http://x' })).toBe('peer:oca-2');
    expect(sourceName({ kind: 'origin', key: 'k' })).toBe('origin');
  });
});

describe('FileTraffic', () => {
  it('counts bodies in flight and hands served bytes over once, back after a failed heartbeat', () => {
    const t = new FileTraffic();
    t.begin('f1');
    t.begin('f1');
    t.end('f1');
    expect(t.inFlight('f1')).toBe(1);
    t.end('f1');
    expect(t.inFlight('f1')).toBe(0);
    t.addServed('f1', 100);
    t.addServed('f2', 0);
    t.addServed('f1', 50);
    const sent = t.take();
    expect(sent).toEqual([{ fileId: 'f1', bytes: 150 }]);
    expect(t.take()).toEqual([]);
    t.addServed('f1', 1);
    t.restore(sent);
    expect(t.take()).toEqual([{ fileId: 'f1', bytes: 151 }]);
  });

  it('reports at most MAX_SERVED_FILES files at once; the rest go next', () => {
    const t = new FileTraffic();
    for (let i = 0; i < MAX_SERVED_FILES + 3; i++) t.addServed(`f${i}`, 1);
    expect(t.take()).toHaveLength(MAX_SERVED_FILES);
    expect(t.take()).toHaveLength(3);
  });
});
