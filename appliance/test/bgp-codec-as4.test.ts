// RFC 6793 §4.2.3: a 4-octet speaker on a session with a 2-octet peer rebuilds AS_PATH and
// AGGREGATOR from AS4_PATH and AS4_AGGREGATOR.
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../src/bgp/codec/codec.js';
import type { UpdateMessage } from '../src/bgp/codec/types.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ORIGIN_NH = '40 01 01 00  40 03 04 c0000201';

/** An UPDATE framed around the given attribute octets and one /24. */
function update(attrs: string): Buffer {
  const a = hex(`${ORIGIN_NH} ${attrs}`);
  const n = hex('18 cb0071');
  const len = 23 + a.length + n.length;
  const head = Buffer.from([len >> 8, len & 0xff, 2, 0, 0, a.length >> 8, a.length & 0xff]);
  return Buffer.concat([hex('ff'.repeat(16)), head, a, n]);
}

const decode2 = (attrs: string) => decodeMessage(update(attrs), { fourOctetAs: false }) as UpdateMessage;
const decode4 = (attrs: string) => decodeMessage(update(attrs), { fourOctetAs: true }) as UpdateMessage;

// AS_TRANS 23456 = 5ba0, 4200000001 = fa56ea01, 65002 = fdea, 65010 = fdf2
describe('AS4_PATH merge on a 2-octet session', () => {
  it('keeps the leading ASes of AS_PATH and appends AS4_PATH', () => {
    const m = decode2('40 02 08 02 03 fdf2 5ba0 fdea   c0 11 0a 02 02 fa56ea01 0000fdea');
    expect(m.attributes.asPath).toEqual([{ type: 'sequence', asns: [65010, 4200000001, 65002] }]);
    expect(m.problems).toBeUndefined();
  });

  it('counts an AS_SET as one AS', () => {
    const m = decode2(
      '40 02 0c 02 02 fdf2 5ba0 01 02 fdec fded   c0 11 10 02 01 fa56ea01 01 02 0000fdec 0000fded',
    );
    expect(m.attributes.asPath).toEqual([
      { type: 'sequence', asns: [65010, 4200000001] },
      { type: 'set', asns: [65004, 65005] },
    ]);
  });

  it('ignores an AS4_PATH longer than AS_PATH', () => {
    const m = decode2('40 02 04 02 01 5ba0   c0 11 0a 02 02 fa56ea01 0000fdea');
    expect(m.attributes.asPath).toEqual([{ type: 'sequence', asns: [23456] }]);
  });

  it('ignores AS4_PATH and AS4_AGGREGATOR when AGGREGATOR is not AS_TRANS', () => {
    const m = decode2(
      '40 02 06 02 02 fdf2 5ba0  c0 07 06 fdf2 c0000202  c0 11 06 02 01 fa56ea01  c0 12 08 fa56ea01 c0000203',
    );
    expect(m.attributes.asPath).toEqual([{ type: 'sequence', asns: [65010, 23456] }]);
    expect(m.attributes.aggregator).toEqual({ asn: 65010, address: '192.0.2.2' });
  });

  it('takes AS4_AGGREGATOR when AGGREGATOR is AS_TRANS', () => {
    const m = decode2(
      '40 02 06 02 02 fdf2 5ba0  c0 07 06 5ba0 c0000202  c0 11 06 02 01 fa56ea01  c0 12 08 fa56ea01 c0000203',
    );
    expect(m.attributes.asPath).toEqual([{ type: 'sequence', asns: [65010, 4200000001] }]);
    expect(m.attributes.aggregator).toEqual({ asn: 4200000001, address: '192.0.2.3' });
  });

  it('discards a malformed AS4_PATH and keeps AS_PATH', () => {
    const m = decode2('40 02 04 02 01 5ba0   c0 11 03 02 01 fa');
    expect(m.attributes.asPath).toEqual([{ type: 'sequence', asns: [23456] }]);
    expect(m.treatAsWithdraw).toBeUndefined();
    expect(m.problems).toEqual([
      expect.objectContaining({ outcome: 'attribute-discard', attributeCode: 17 }),
    ]);
  });
});

describe('AS_PATH on a 4-octet session', () => {
  it('discards AS4_PATH (RFC 6793 §4.1)', () => {
    const m = decode4('40 02 06 02 01 fa56ea01   c0 11 06 02 01 0000fdea');
    expect(m.attributes.asPath).toEqual([{ type: 'sequence', asns: [4200000001] }]);
    expect(m.problems?.[0]?.outcome).toBe('attribute-discard');
  });

  it('reads confederation segments as sequence and set (RFC 5065 §3)', () => {
    const m = decode4('40 02 16 03 01 0000fdf2 04 02 0000fdf3 0000fdf4 02 01 0000fdea');
    expect(m.attributes.asPath).toEqual([
      { type: 'sequence', asns: [65010] },
      { type: 'set', asns: [65011, 65012] },
      { type: 'sequence', asns: [65002] },
    ]);
  });
});
