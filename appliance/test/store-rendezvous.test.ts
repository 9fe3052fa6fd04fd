import { rendezvousPick, rendezvousRank } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';

const ids = Array.from({ length: 4000 }, (_, i) => `t${i}-v3000k`);

describe('rendezvous hashing', () => {
  it('is stable: the same key and nodes always give the same owner, whatever the order', () => {
    for (const id of ids.slice(0, 200)) {
      expect(rendezvousPick(id, ['a', 'b', 'c'])).toBe(rendezvousPick(id, ['c', 'a', 'b']));
      expect(rendezvousRank(id, ['a', 'b', 'c'])[0]).toBe(rendezvousPick(id, ['a', 'b', 'c']));
    }
  });

  it('spreads keys evenly', () => {
    const counts = new Map<string, number>();
    for (const id of ids) {
      const d = rendezvousPick(id, ['d1', 'd2', 'd3', 'd4'])!;
      counts.set(d, (counts.get(d) ?? 0) + 1);
    }
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(150);
  });

  it('moves only about 1/n of the keys when a node is added, all of them to the new node', () => {
    let moved = 0;
    for (const id of ids) {
      const before = rendezvousPick(id, ['d1', 'd2', 'd3', 'd4'])!;
      const after = rendezvousPick(id, ['d1', 'd2', 'd3', 'd4', 'd5'])!;
      if (before !== after) {
        moved++;
        expect(after).toBe('d5');
      }
    }
    expect(moved / ids.length).toBeGreaterThan(0.15);
    expect(moved / ids.length).toBeLessThan(0.25);
  });

  it('moves only the removed node’s keys when a node is removed', () => {
    for (const id of ids.slice(0, 1000)) {
      const before = rendezvousPick(id, ['d1', 'd2', 'd3'])!;
      const after = rendezvousPick(id, ['d1', 'd3'])!;
      if (before !== 'd2') expect(after).toBe(before);
    }
  });

  it('has no owner without nodes', () => {
    expect(rendezvousPick('x', [])).toBeUndefined();
  });
});
