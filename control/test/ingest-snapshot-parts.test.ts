// The paged-snapshot state machine (ingest/snapshot-parts.ts) on tables of parts: in order
// completes, a resent part is a duplicate, out-of-order, foreign and stale parts resync, the
// limit is checked before anything is kept, idle assemblies are dropped.
import { describe, expect, it } from 'vitest';
import { type PartReport, SnapshotParts } from '../src/ingest/snapshot-parts.js';

const part = (index: number, count = 3, over: Partial<PartReport> = {}): PartReport => ({
  epoch: 'e',
  version: 7,
  index,
  count,
  routes: 10,
  ...over,
});

describe('SnapshotParts', () => {
  it('takes parts in order and completes on the last', () => {
    const parts = new SnapshotParts({ maxRoutes: 100, idleMs: 1000 });
    const kinds = [0, 1, 2].map((i) => parts.take('a', part(i), 0));
    expect(kinds.map((d) => (d.kind === 'take' ? d.complete : d.kind))).toEqual([false, false, true]);
    // All parts share one set, which the caller fills.
    const [a, b] = kinds;
    expect(a?.kind === 'take' && b?.kind === 'take' && a.prefixes === b.prefixes).toBe(true);
    expect(parts.pendingPrefixes).toBe(0);
  });

  it('answers a resent part (a lost reply) as a duplicate, also the last one', () => {
    const parts = new SnapshotParts({ maxRoutes: 100, idleMs: 1000 });
    parts.take('a', part(0), 0);
    expect(parts.take('a', part(0 + 1), 0)).toMatchObject({ kind: 'take', complete: false });
    expect(parts.take('a', part(1), 0)).toEqual({ kind: 'duplicate', complete: false });
    expect(parts.take('a', part(2), 0)).toMatchObject({ kind: 'take', complete: true });
    expect(parts.take('a', part(2), 0)).toEqual({ kind: 'duplicate', complete: true });
  });

  it.each([
    ['a part skipped', [0, 2]],
    ['a part from before', [0, 1, 2, 1]],
    ['no part 0 first', [1]],
  ])('resyncs on %s', (_what, order) => {
    const parts = new SnapshotParts({ maxRoutes: 100, idleMs: 1000 });
    const last = order.map((i) => parts.take('a', part(i, 4), 0)).at(-1);
    expect(last?.kind).toBe('resync');
    // And the assembly is gone: the next part that is not 0 resyncs too.
    expect(parts.take('a', part(3, 4), 0).kind).toBe('resync');
  });

  it('resyncs a part of another snapshot (version, epoch or count) and starts over on part 0', () => {
    const parts = new SnapshotParts({ maxRoutes: 100, idleMs: 1000 });
    parts.take('a', part(0), 0);
    expect(parts.take('a', part(1, 3, { version: 8 }), 0).kind).toBe('resync');
    parts.take('a', part(0), 0);
    expect(parts.take('a', part(1, 3, { epoch: 'f' }), 0).kind).toBe('resync');
    parts.take('a', part(0), 0);
    expect(parts.take('a', part(1, 4), 0).kind).toBe('resync');
    expect(parts.take('a', part(0, 1, { version: 9 }), 0)).toMatchObject({ kind: 'take', complete: true });
    expect(parts.take('a', part(5, 3), 0).kind).toBe('resync');
  });

  it('refuses a part that would exceed the limit and drops the assembly', () => {
    const parts = new SnapshotParts({ maxRoutes: 25, idleMs: 1000 });
    const first = parts.take('a', part(0), 0);
    if (first.kind === 'take') for (let i = 0; i < 10; i++) first.prefixes.add(`10.0.${i}.0/24`);
    parts.take('a', part(1), 0);
    expect(parts.take('a', part(2, 3, { routes: 16 }), 0)).toEqual({ kind: 'limit', routes: 26 });
    expect(parts.pendingPrefixes).toBe(0);
    expect(parts.take('a', part(0, 1, { routes: 26 }), 0).kind).toBe('limit');
  });

  it('keeps assemblies per appliance and drops idle ones', () => {
    const parts = new SnapshotParts({ maxRoutes: 100, idleMs: 1000 });
    parts.take('a', part(0), 0);
    parts.take('b', part(0), 500);
    expect(parts.take('a', part(1), 900).kind).toBe('take');
    expect(parts.take('b', part(1), 1600).kind).toBe('resync');
    expect(parts.take('a', part(2), 1800)).toMatchObject({ kind: 'take', complete: true });
  });
});
