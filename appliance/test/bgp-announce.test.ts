// `ferry announce`: the prefix file, community flags, and the command as a real process
// against a BgpSpeaker (announce, stdin control, SIGTERM → Cease and exit 0).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@ferry/harness';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommunities, parseLargeCommunities, parseNextHops } from '../src/bgp/announce/announce-cli.js';
import { parsePrefixList } from '../src/bgp/announce/prefix-file.js';
import { prefixToString } from '../src/bgp/codec/codec.js';
import type { UpdateMessage } from '../src/bgp/codec/types.js';
import { BgpSpeaker } from '../src/bgp/session/speaker.js';
import { passiveNeighbor } from './support/neighbor.js';

const logger = pino({ level: process.env.FERRY_TEST_LOG ?? 'silent' });
const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()!();
});

describe('announce: prefix file', () => {
  it('reads IPv4 and IPv6 prefixes, skipping comments and blank lines', () => {
    const text = '# client prefixes\n10.0.0.0/8\n\n  192.0.2.0/24   # docs\n2001:db8::/32\n';
    expect(parsePrefixList(text, 'p.txt').map(prefixToString)).toEqual([
      '10.0.0.0/8',
      '192.0.2.0/24',
      '2001:db8::/32',
    ]);
  });

  it('reports bad lines with their numbers', () => {
    const text = '10.0.0.0/8\n10.0.0.1/8\nfoo\n2001:db8::/129\n';
    expect(() => parsePrefixList(text, 'p.txt')).toThrowError(
      /p\.txt:2: .*host bits[\s\S]*p\.txt:3:[\s\S]*p\.txt:4:/,
    );
    try {
      parsePrefixList(text, 'p.txt');
    } catch (err) {
      expect((err as { code: string }).code).toBe('FERRY_ERR_BGP_PREFIXES');
    }
  });

  it('parses communities and large communities, refusing out-of-range values', () => {
    expect(parseCommunities('65000:1, 65535:65535')).toEqual([4259840001, 0xffffffff]);
    expect(parseLargeCommunities('4200000000:1:2')).toEqual([[4200000000, 1, 2]]);
    expect(() => parseCommunities('65536:1')).toThrowError(/--communities/);
    expect(() => parseLargeCommunities('1:2')).toThrowError(/--large-communities/);
  });

  it('takes one next hop per family', () => {
    expect(parseNextHops('192.0.2.1,2001:db8::1')).toEqual(['192.0.2.1', '2001:db8::1']);
    expect(() => parseNextHops('192.0.2.1,192.0.2.2')).toThrowError(/at most one/);
    expect(() => parseNextHops('router')).toThrowError(/not an IP address/);
  });
});

function startAnnounceProcess(args: string[]): {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
} {
  const script = join(import.meta.dirname, 'support', 'announce-main.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (chunk: Buffer) => lines.push(`stderr: ${chunk.toString().trim()}`));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  stops.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, lines, exited };
}

describe('ferry announce as a process', () => {
  it('announces the file, obeys stdin control lines, and on SIGTERM sends Cease and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-announce-'));
    stops.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'prefixes.txt');
    writeFileSync(file, '# test\n10.20.0.0/16\n10.21.0.0/24\n2001:db8:20::/48\n');
    const updates: UpdateMessage[] = [];
    const downs: string[] = [];
    const speaker = new BgpSpeaker({
      neighbors: [passiveNeighbor({ peerAs: 65010 })],
      listen: { host: '127.0.0.1', port: 0 },
      logger,
      onUpdate: (_p, u) => updates.push(u),
      onPeerDown: (_p, r) => downs.push(r),
    });
    await speaker.start();
    stops.push(() => speaker.stop());
    const port = speaker.listenAddress!.port;
    const { child, lines, exited } = startAnnounceProcess([
      '--connect',
      `127.0.0.1:${port}`,
      '--asn',
      '65010',
      '--peer-asn',
      '65000',
      '--prefixes',
      file,
      '--communities',
      '65010:7',
    ]);
    const announced = () => updates.flatMap((u) => u.announced.map(prefixToString));
    const withdrawn = () => updates.flatMap((u) => u.withdrawn.map(prefixToString));
    await eventually(() => announced().length === 3, {
      what: `3 prefixes (output: ${lines.join(' | ')})`,
      timeoutMs: 15_000,
      intervalMs: 10,
    });
    expect(announced().sort()).toEqual(['10.20.0.0/16', '10.21.0.0/24', '2001:db8:20::/48']);
    expect(updates[0]!.attributes.communities).toEqual([(65010 * 65536 + 7) >>> 0]);
    await eventually(() => lines.some((l) => l.startsWith('announced 3 prefixes')), {
      what: 'status line',
      timeoutMs: 5000,
      intervalMs: 10,
    });

    child.stdin!.write('withdraw 10.21.0.0/24\nannounce 10.99.0.0/16\nwithdraw nonsense\n');
    await eventually(() => withdrawn().includes('10.21.0.0/24') && announced().includes('10.99.0.0/16'), {
      what: 'control',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    await eventually(() => lines.some((l) => l.startsWith('error:')), {
      what: 'error line for a bad control line',
      timeoutMs: 5000,
      intervalMs: 10,
    });

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await eventually(() => downs.length === 1, { what: 'peer down', timeoutMs: 5000, intervalMs: 10 });
    expect(downs[0]).toContain('6/2');
    expect(lines).toContain('stopped');
  });

  it('a bad prefix file fails before connecting, with FERRY_ERR_BGP_PREFIXES and the line number', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-announce-'));
    stops.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'bad.txt');
    writeFileSync(file, '10.0.0.0/8\n300.0.0.0/8\n');
    const { lines, exited } = startAnnounceProcess([
      '--connect',
      '127.0.0.1:9',
      '--asn',
      '1',
      '--peer-asn',
      '2',
      '--prefixes',
      file,
    ]);
    expect(await exited).toBe(1);
    expect(lines.join('\n')).toMatch(/FERRY_ERR_BGP_PREFIXES: .*bad\.txt:2:/);
  });
});
