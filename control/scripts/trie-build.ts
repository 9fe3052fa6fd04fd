// Builds a RouteTrie from 1M random prefixes (shaped like a full table: mostly IPv4 /24s,
// some shorter, a tenth IPv6 /32–/48) and prints build time, heap and lookup rate.
// Run: node --expose-gc --import tsx control/scripts/trie-build.ts [prefixes] [appliances]
import { parseCidr } from '@ferry/protocol';
import { formatAddress } from '../src/route-trie/prefix-format.js';
import { RouteTrie } from '../src/route-trie/trie.js';

const total = Number(process.argv[2] ?? 1_000_000);
const applianceCount = Number(process.argv[3] ?? 200);

let seed = 12345;
function rand(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function randomPrefix(): string {
  const v6 = rand() < 0.1;
  const width = v6 ? 16 : 4;
  const bits = v6 ? 32 + Math.floor(rand() * 17) : rand() < 0.6 ? 24 : 8 + Math.floor(rand() * 17);
  const bytes = new Uint8Array(width);
  for (let i = 0; i < width; i++) bytes[i] = Math.floor(rand() * 256);
  if (v6) bytes[0] = 0x20;
  for (let i = 0; i < width; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return `${formatAddress(bytes)}/${bits}`;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.warn('run with node --expose-gc for exact heap figures');
const prefixes = Array.from({ length: total }, randomPrefix);
// Parsing flattens the template-literal (cons) strings in place; doing it before the baseline
// keeps that growth of the input out of the trie's figures.
for (const p of prefixes) parseCidr(p);
const apps = Array.from({ length: applianceCount }, (_, i) => `appliance-${i}`);
gc?.();
// Node storage is typed arrays, which V8 counts under arrayBuffers, not heapUsed.
const used = () => {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
};
const before = used();

const trie = new RouteTrie<string>();
const t0 = performance.now();
for (const p of prefixes) trie.insert(p, apps[Math.floor(rand() * apps.length)]!);
const buildMs = performance.now() - t0;
gc?.();
const after = used();

const probes = prefixes.slice(0, 100_000).map((p) => p.split('/')[0]!);
const t1 = performance.now();
let hits = 0;
for (const ip of probes) if (trie.lookup(ip)) hits++;
const lookupMs = performance.now() - t1;

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
console.table({
  prefixes: { value: total },
  distinct: { value: trie.size },
  'build (ms)': { value: Math.round(buildMs) },
  'inserts/s': { value: Math.round(total / (buildMs / 1000)) },
  'JS heap for the trie': { value: mb(after.heap - before.heap) },
  'typed arrays for the trie': { value: mb(after.buffers - before.buffers) },
  'bytes per distinct prefix': {
    value: Math.round((after.heap - before.heap + after.buffers - before.buffers) / trie.size),
  },
  'lookups/s': { value: Math.round(probes.length / (lookupMs / 1000)) },
  'lookup hits': { value: hits },
  node: { value: process.version },
  date: { value: new Date().toISOString() },
});
