// Every file in appliance/src/bgp/codec/testdata is a malformed message; its first line names the
// outcome: "session-reset CODE/SUBCODE [data=HEX]", "treat-as-withdraw" or "attribute-discard".
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../src/bgp/codec/codec.js';
import { BgpError, type UpdateMessage } from '../src/bgp/codec/types.js';

const dir = join(import.meta.dirname, '../src/bgp/codec/testdata');
const files = readdirSync(dir).filter((f) => f.endsWith('.hex'));

function load(file: string): { expect: string; msg: Buffer } {
  const text = readFileSync(join(dir, file), 'utf8');
  const [first, ...rest] = text.split('\n');
  const hex = rest
    .filter((l) => !l.startsWith('#'))
    .join('')
    .replace(/\s+/g, '');
  return { expect: first!.replace(/^#\s*/, ''), msg: Buffer.from(hex, 'hex') };
}

function thrown(fn: () => unknown): BgpError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BgpError) return e;
    throw e;
  }
  throw new Error('decoded without error');
}

describe('malformed messages in testdata/', () => {
  it('has cases of every outcome', () => {
    const outcomes = new Set(files.map((f) => load(f).expect.split(' ')[0]));
    expect(outcomes).toEqual(new Set(['session-reset', 'treat-as-withdraw', 'attribute-discard']));
  });

  for (const file of files) {
    const { expect: want, msg } = load(file);
    const ctx = { fourOctetAs: !file.startsWith('as2-') };
    it(`${file}: ${want}`, () => {
      const reset = /^session-reset (\d+)\/(\d+)(?: data=([0-9a-f]+))?/.exec(want);
      if (reset) {
        const e = thrown(() => decodeMessage(msg, ctx));
        expect([e.code, e.subcode]).toEqual([Number(reset[1]), Number(reset[2])]);
        if (reset[3] !== undefined) expect(Buffer.from(e.data).toString('hex')).toBe(reset[3]);
        return;
      }
      const m = decodeMessage(msg, ctx) as UpdateMessage;
      expect(m.announced.length).toBeGreaterThan(0);
      expect(m.problems?.length).toBeGreaterThan(0);
      if (want.startsWith('treat-as-withdraw')) {
        expect(m.treatAsWithdraw).toBe(true);
        expect(m.problems![0]!.outcome).toBe('treat-as-withdraw');
      } else {
        expect(want.startsWith('attribute-discard')).toBe(true);
        expect(m.treatAsWithdraw).toBeUndefined();
        expect(m.problems!.every((p) => p.outcome === 'attribute-discard')).toBe(true);
      }
    });
  }
});
