import { cidrContains, parseCidr, parseIp, seededRandom } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { formatAddress } from '../src/route-trie/prefix-format.js';
import { RouteTrie } from '../src/route-trie/trie.js';

function randomBytes(rand: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

function mask(bytes: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

// Prefixes drawn near a few seeds so they nest and share paths, like a real table.
function randomPrefixes(rand: () => number, width: number, count: number): string[] {
  const seeds = Array.from({ length: 16 }, () => randomBytes(rand, width));
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const base = seeds[Math.floor(rand() * seeds.length)]!.slice();
    const flip = Math.floor(rand() * width * 8);
    base[flip >> 3]! ^= 1 << (7 - (flip & 7));
    const bits = Math.floor(rand() * (width * 8 + 1));
    out.push(`${formatAddress(mask(base, bits))}/${bits}`);
  }
  return out;
}

function randomAddress(rand: () => number, width: number, prefixes: string[]): string {
  // Half the addresses fall inside a known prefix so matches are common, half are anywhere.
  const bytes = randomBytes(rand, width);
  if (rand() < 0.5) {
    const p = prefixes[Math.floor(rand() * prefixes.length)]!;
    const [addr, bitsText] = p.split('/') as [string, string];
    const bits = Number(bitsText);
    const pb = width === 4 ? Uint8Array.from(addr.split('.').map(Number)) : expand6(addr);
    const m = mask(pb, bits);
    for (let i = 0; i < width; i++) {
      const keep = Math.max(0, Math.min(8, bits - i * 8));
      const hostMask = ~((0xff << (8 - keep)) & 0xff) & 0xff;
      bytes[i] = m[i]! | (bytes[i]! & hostMask);
    }
  }
  return formatAddress(bytes);
}

function expand6(text: string): Uint8Array {
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = Number.parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

const parsedCache = new Map<string, { bytes: Uint8Array; bits: number }>();
function parsed(prefix: string) {
  let c = parsedCache.get(prefix);
  if (!c) {
    c = parseCidr(prefix)!;
    parsedCache.set(prefix, c);
  }
  return c;
}

// Checks every prefix, one by one: slow and obviously right.
function oracle(entries: Map<string, number[]>, ip: string) {
  const addr = parseIp(ip)!;
  return [...entries.entries()]
    .map(([prefix, values]) => ({ prefix, values, cidr: parsed(prefix) }))
    .filter(({ values, cidr }) => values.length > 0 && contains(cidr.bytes, cidr.bits, addr))
    .sort((a, b) => b.cidr.bits - a.cidr.bits)
    .map(({ prefix, values }) => ({ prefix, values }));
}

function contains(prefix: Uint8Array, bits: number, addr: Uint8Array): boolean {
  if (prefix.length !== addr.length) return false;
  const m = mask(addr, bits);
  return m.every((b, i) => b === prefix[i]);
}

describe('RouteTrie against a brute-force oracle', () => {
  for (const [family, width] of [
    ['IPv4', 4],
    ['IPv6', 16],
  ] as const) {
    it(`${family}: covering() and lookup() match the oracle after inserts and removes`, () => {
      const rand = seededRandom(width === 4 ? 42 : 4242);
      const prefixes = randomPrefixes(rand, width, 3000);
      const trie = new RouteTrie<number>();
      const entries = new Map<string, number[]>();
      prefixes.forEach((p, i) => {
        trie.insert(p, i);
        entries.set(p, [...(entries.get(p) ?? []), i]);
      });
      // Remove a third: some whole prefixes, some single values.
      for (const p of prefixes.filter(() => rand() < 0.33)) {
        const vals = entries.get(p)!;
        if (rand() < 0.5 || vals.length === 0) {
          expect(trie.remove(p)).toBe(vals.length);
          entries.set(p, []);
        } else {
          const drop = vals[0]!;
          expect(trie.remove(p, (v) => v === drop)).toBe(1);
          entries.set(p, vals.slice(1));
        }
      }
      expect(trie.size).toBe([...entries.values()].filter((v) => v.length > 0).length);
      for (let i = 0; i < 4000; i++) {
        const ip = randomAddress(rand, width, prefixes);
        const want = oracle(entries, ip);
        for (const m of want) expect(cidrContains(m.prefix, ip)).toBe(true);
        expect(trie.covering(ip)).toEqual(want);
        expect(trie.lookup(ip)).toEqual(want[0]);
      }
    });
  }
});

describe('RouteTrie behaviour', () => {
  it('keeps several values per prefix, duplicates included, in insertion order', () => {
    const trie = new RouteTrie<string>();
    trie.insert('10.0.0.0/8', 'a');
    trie.insert('10.0.0.0/8', 'b');
    trie.insert('10.0.0.0/8', 'a');
    expect(trie.size).toBe(1);
    expect(trie.lookup('10.1.2.3')).toEqual({ prefix: '10.0.0.0/8', values: ['a', 'b', 'a'] });
    expect(trie.remove('10.0.0.0/8', (v) => v === 'a')).toBe(2);
    expect(trie.lookup('10.1.2.3')?.values).toEqual(['b']);
    expect(trie.remove('10.0.0.0/8')).toBe(1);
    expect(trie.size).toBe(0);
    expect(trie.lookup('10.1.2.3')).toBeUndefined();
  });

  it('returns covering prefixes most specific first, with canonical text', () => {
    const trie = new RouteTrie<string>();
    trie.insert('0.0.0.0/0', 'default');
    trie.insert('10.1.2.3/8', 'wide');
    trie.insert('10.1.0.0/16', 'narrow');
    trie.insert('10.1.2.0/24', 'narrowest');
    expect(trie.covering('10.1.2.9').map((m) => m.prefix)).toEqual([
      '10.1.2.0/24',
      '10.1.0.0/16',
      '10.0.0.0/8',
      '0.0.0.0/0',
    ]);
    expect(trie.lookup('10.2.0.1')?.prefix).toBe('10.0.0.0/8');
    expect(trie.lookup('11.0.0.1')?.prefix).toBe('0.0.0.0/0');
  });

  it('looks up IPv4-mapped IPv6 clients as IPv4, and keeps the families apart', () => {
    const trie = new RouteTrie<string>();
    trie.insert('192.0.2.0/24', 'v4');
    trie.insert('::/0', 'v6-default');
    trie.insert('2001:db8::/32', 'v6');
    expect(trie.lookup('::ffff:192.0.2.7')).toEqual({ prefix: '192.0.2.0/24', values: ['v4'] });
    expect(trie.lookup('198.51.100.1')).toBeUndefined();
    trie.insert('::ffff:203.0.113.0/120', 'mapped');
    expect(trie.lookup('203.0.113.5')).toEqual({ prefix: '203.0.113.0/24', values: ['mapped'] });
    expect(trie.lookup('2001:db8:0:1::5')?.prefix).toBe('2001:db8::/32');
    expect(trie.lookup('2001:db9::1')?.prefix).toBe('::/0');
  });

  it('refuses malformed prefixes on insert and ignores malformed input elsewhere', () => {
    const trie = new RouteTrie<string>();
    expect(() => trie.insert('10.0.0.0', 'x')).toThrow(TypeError);
    expect(() => trie.insert('10.0.0.0/33', 'x')).toThrow(TypeError);
    expect(trie.remove('nonsense')).toBe(0);
    expect(trie.remove('10.0.0.0/8')).toBe(0);
    expect(trie.lookup('not-an-ip')).toBeUndefined();
    expect(trie.covering('010.0.0.1')).toEqual([]);
  });

  it('removing a prefix leaves the prefixes around it intact, and nodes are reused', () => {
    const trie = new RouteTrie<number>();
    for (let round = 0; round < 3; round++) {
      trie.insert('10.0.0.0/8', 1);
      trie.insert('10.128.0.0/9', 2);
      trie.insert('10.0.0.0/9', 3);
      trie.insert('10.64.0.0/10', 4);
      expect(trie.remove('10.0.0.0/9')).toBe(1);
      expect(trie.lookup('10.1.0.0')?.prefix).toBe('10.0.0.0/8');
      expect(trie.lookup('10.65.0.0')?.prefix).toBe('10.64.0.0/10');
      expect(trie.lookup('10.200.0.0')?.prefix).toBe('10.128.0.0/9');
      expect(trie.remove('10.0.0.0/8')).toBe(1);
      expect(trie.lookup('10.1.0.0')).toBeUndefined();
      expect(trie.remove('10.64.0.0/10')).toBe(1);
      expect(trie.remove('10.128.0.0/9')).toBe(1);
      expect(trie.size).toBe(0);
    }
  });

  it('returns copies, so callers cannot change the table', () => {
    const trie = new RouteTrie<string>();
    trie.insert('10.0.0.0/8', 'a');
    trie.lookup('10.0.0.1')!.values.push('b');
    expect(trie.lookup('10.0.0.1')!.values).toEqual(['a']);
  });
});
