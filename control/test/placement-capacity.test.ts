import { describe, expect, it } from 'vitest';
import { fillCapacity, servableDiskBytes } from '../src/placement/capacity.js';

describe('fill capacity', () => {
  it('counts the size of servable disks, or what a disk holds when its size is not reported', () => {
    expect(
      servableDiskBytes([
        { state: 'ok', bytes: 10, sizeBytes: 1000 },
        { state: 'failed', bytes: 5, sizeBytes: 500 },
        { state: 'ok', bytes: 40 },
      ]),
    ).toBe(1040);
  });

  it('keeps the free share, and an operator override wins', () => {
    expect(fillCapacity(1000, { keepFree: 0.1 })).toBe(900);
    expect(fillCapacity(1000, { keepFree: 0.1, overrideBytes: 50 })).toBe(45);
    expect(fillCapacity(0, { keepFree: 0.1 })).toBe(0);
  });
});
