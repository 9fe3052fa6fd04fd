// processCpuSec reads a real process's CPU time from /proc: this test's own process, which
// grows while it computes; a pid that does not exist gives null.
import { describe, expect, it } from 'vitest';
import { processCpuSec } from '../src/steering/cpu-time.js';

describe('processCpuSec', () => {
  it("reads this process's user+system seconds, which grow with work", () => {
    const before = processCpuSec(process.pid);
    expect(before).not.toBeNull();
    let x = 0;
    const until = Date.now() + 300;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    const after = processCpuSec(process.pid)!;
    expect(after).toBeGreaterThan(before!);
    expect(x).toBeGreaterThan(0);
  });

  it('gives null for a pid that is not there', () => {
    expect(processCpuSec(2 ** 22 + 12_345)).toBeNull();
  });
});
