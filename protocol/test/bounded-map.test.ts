import { describe, expect, it } from 'vitest';
import { setBounded } from '../src/index.js';

describe('setBounded', () => {
  it('keeps the newest entries, a key set again counting as new', () => {
    const m = new Map<string, number>();
    setBounded(m, 'a', 1, 2);
    setBounded(m, 'b', 2, 2);
    setBounded(m, 'a', 3, 2);
    setBounded(m, 'c', 4, 2);
    expect([...m]).toEqual([
      ['a', 3],
      ['c', 4],
    ]);
  });
});
