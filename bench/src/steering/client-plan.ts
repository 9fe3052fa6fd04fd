// The request stream both servers get: `{ titleId }` bodies cycling over the titles, each with
// an X-Forwarded-For address inside a random announced /24, so every Ferry answer is a real
// trie lookup, ranking and signing for a different network. Seeded: every run sends the same.
import { seededRandom } from '@ferry/protocol';
import { MAX_PREFIXES, prefixAddress } from './layout.js';

export interface PlannedSteer {
  readonly body: string;
  readonly xff: string;
}

export function planSteers(input: {
  titleIds: readonly string[];
  prefixes: number;
  count: number;
  seed?: number;
}): PlannedSteer[] {
  if (input.titleIds.length === 0) throw new Error('no titles to plan');
  if (input.prefixes < 1 || input.prefixes > MAX_PREFIXES) throw new Error('prefixes out of range');
  const rand = seededRandom(input.seed ?? 1);
  const out: PlannedSteer[] = [];
  for (let i = 0; i < input.count; i++) {
    const p = Math.floor(rand() * input.prefixes);
    const host = 1 + Math.floor(rand() * 254);
    const base = prefixAddress(p);
    out.push({
      body: JSON.stringify({ titleId: input.titleIds[i % input.titleIds.length] }),
      xff: `${base.slice(0, base.lastIndexOf('.'))}.${host}`,
    });
  }
  return out;
}
