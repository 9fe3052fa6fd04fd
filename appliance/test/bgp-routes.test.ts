import { describe, expect, it } from 'vitest';
import { AFI_IPV4, AFI_IPV6, MessageType, type Prefix } from '../src/bgp/codec/types.js';
import { routesResponse } from '../src/bgp/report/routes-api.js';
import { AdjRibIn } from '../src/bgp/rib/rib.js';

function rib(): AdjRibIn {
  const r = new AdjRibIn();
  const announced: Prefix[] = [];
  for (let i = 0; i < 250; i++)
    announced.push({ afi: AFI_IPV4, length: 24, bytes: Uint8Array.from([10, 0, i]) });
  announced.push({ afi: AFI_IPV4, length: 8, bytes: Uint8Array.from([10]) });
  announced.push({ afi: AFI_IPV6, length: 32, bytes: Uint8Array.from([0x20, 0x01, 0x0d, 0xb8]) });
  r.apply('192.0.2.1', {
    type: MessageType.UPDATE,
    withdrawn: [],
    announced,
    attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [65001] }], nextHop: '192.0.2.1' },
  });
  return r;
}

const q = (s: string) => new URLSearchParams(s);

describe('GET /v1/routes', () => {
  it('pages with the default limit and a cursor', () => {
    const r = rib();
    const first = routesResponse(r, q(''));
    expect(first.status).toBe(200);
    if (first.status !== 200) return;
    expect(first.body.routes).toHaveLength(100);
    expect(first.body.total).toBe(252);
    expect(first.body.routes[0]!.prefix).toBe('10.0.0.0/8');
    const seen = [...first.body.routes];
    let cursor = first.body.nextCursor;
    for (let i = 0; i < 10 && cursor; i++) {
      const next = routesResponse(r, q(`cursor=${cursor}`));
      if (next.status !== 200) throw new Error(JSON.stringify(next.body));
      seen.push(...next.body.routes);
      cursor = next.body.nextCursor;
    }
    expect(seen).toHaveLength(252);
    expect(seen.at(-1)!.prefix).toBe('2001:db8::/32');
  });

  it('filters by prefix, contains and afi', () => {
    const r = rib();
    const prefixes = (s: string) => {
      const res = routesResponse(r, q(s));
      if (res.status !== 200) throw new Error(JSON.stringify(res.body));
      return res.body.routes.map((x) => x.prefix);
    };
    expect(prefixes('prefix=10.0.7.0/24')).toEqual(['10.0.7.0/24']);
    expect(prefixes('prefix=10.0.0.0/22&limit=1000')).toEqual([
      '10.0.0.0/24',
      '10.0.1.0/24',
      '10.0.2.0/24',
      '10.0.3.0/24',
    ]);
    expect(prefixes('contains=10.0.9.9')).toEqual(['10.0.0.0/8', '10.0.9.0/24']);
    expect(prefixes('afi=6')).toEqual(['2001:db8::/32']);
    expect(prefixes('contains=2001:db8::1&afi=6')).toEqual(['2001:db8::/32']);
  });

  it.each([
    ['limit=0'],
    ['limit=1001'],
    ['limit=abc'],
    ['limit=1.5'],
    ['afi=5'],
    ['prefix=10.0.0.0'],
    ['prefix=10.0.0.0/33'],
    ['contains=10.0.0.256'],
    ['contains=10.0.0.1&prefix=10.0.0.0/8'],
    ['afi=6&prefix=10.0.0.0/8'],
    ['cursor=bogus'],
    ['limit=1&limit=2'],
    ['sort=prefix'],
  ])('answers 400 FERRY_ERR_BAD_QUERY to %s', (query) => {
    const res = routesResponse(rib(), q(query));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'FERRY_ERR_BAD_QUERY', message: expect.any(String) });
  });
});
