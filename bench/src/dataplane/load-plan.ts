// The request stream both servers get: the same list of (file, range) pairs, ranges aligned
// to their own size (as a player fetching fixed-size chunks would), chosen by a seeded PRNG
// so that every run and every server sees the same sequence.
import { seededRandom } from '@ferry/protocol';

export interface BenchCase {
  readonly name: string;
  readonly rangeBytes: number;
  readonly connections: number;
}

// The 100-byte case measures the cost per request, not per byte: what each server spends
// around a body too small to matter.
export const CASES: readonly BenchCase[] = [
  { name: '2MiB x 16 conns', rangeBytes: 2 * 1024 * 1024, connections: 16 },
  { name: '64KiB x 64 conns', rangeBytes: 64 * 1024, connections: 64 },
  { name: '100B x 16 conns', rangeBytes: 100, connections: 16 },
];

export interface BenchFile {
  readonly id: string;
  readonly size: number;
}

export interface PlannedRequest {
  readonly path: string;
  /** The Range header value, `bytes=first-last` (inclusive). */
  readonly range: string;
}

export function planRequests(input: {
  files: readonly BenchFile[];
  rangeBytes: number;
  count: number;
  seed: number;
}): PlannedRequest[] {
  const usable = input.files.filter((f) => f.size >= input.rangeBytes);
  if (usable.length === 0) throw new Error(`no file is at least ${input.rangeBytes} bytes long`);
  const rand = seededRandom(input.seed);
  const out: PlannedRequest[] = [];
  for (let i = 0; i < input.count; i++) {
    // Files in turn, offsets at random: every file is used, none dominates.
    const file = usable[i % usable.length]!;
    const slots = Math.floor(file.size / input.rangeBytes);
    const first = Math.floor(rand() * slots) * input.rangeBytes;
    out.push({
      path: `/v1/c/${encodeURIComponent(file.id)}`,
      range: `bytes=${first}-${first + input.rangeBytes - 1}`,
    });
  }
  return out;
}
