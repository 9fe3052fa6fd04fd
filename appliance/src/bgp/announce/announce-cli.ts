// `ferry announce`: flags are parsed in cli/src/main.ts; this checks them, reads the prefix
// file, runs an Announcer until SIGINT/SIGTERM and prints one status line per event on
// stdout (the JSON log goes to stderr). Control lines on stdin: `announce P`, `withdraw P`.
import { isIP } from 'node:net';
import { createInterface } from 'node:readline';
import { createServiceLogger } from '../../ops/logger.js';
import { parsePrefix } from '../codec/codec.js';
import { bgpConfigError } from '../errors.js';
import { type HostPort, isRouterId } from '../session/neighbors.js';
import { Announcer } from './announce.js';
import { readPrefixFile } from './prefix-file.js';

export interface AnnounceFlags {
  connect?: HostPort;
  /** source address for --connect */
  localAddress?: string;
  listen?: HostPort;
  asn: number;
  peerAsn: number;
  prefixes: string;
  routerId?: string;
  /** "ADDR" or "V4,V6": at most one next hop per family */
  nextHop?: string;
  /** "65000:1,65000:2" */
  communities?: string;
  /** "65000:1:2,65000:1:3" */
  largeCommunities?: string;
  holdTime?: number;
  withdrawAfter?: number;
  logLevel?: string;
  /** ends the run (tests); SIGINT and SIGTERM do the same */
  signal?: AbortSignal;
}

function bad(what: string): never {
  throw bgpConfigError(what);
}

function parseList<T>(
  text: string | undefined,
  flag: string,
  parts: number,
  max: number,
  make: (n: number[]) => T,
): T[] {
  if (text === undefined || text.trim() === '') return [];
  return text.split(',').map((item) => {
    const nums = item.trim().split(':');
    const ok = nums.length === parts && nums.every((n) => /^\d+$/.test(n) && Number(n) <= max);
    if (!ok) bad(`${flag}: "${item}" is not ${Array(parts).fill('N').join(':')} with each N at most ${max}`);
    return make(nums.map(Number));
  });
}

/** RFC 1997 §3: ASN in the high 16 bits, value in the low 16. */
export function parseCommunities(text: string | undefined): number[] {
  return parseList(text, '--communities', 2, 0xffff, ([a, b]) => (a! * 0x10000 + b!) >>> 0);
}

/** RFC 8092 §3: three 32-bit fields. */
export function parseLargeCommunities(text: string | undefined): [number, number, number][] {
  return parseList(
    text,
    '--large-communities',
    3,
    0xffffffff,
    ([a, b, c]) => [a!, b!, c!] as [number, number, number],
  );
}

/** `--next-hop 192.0.2.1`, `--next-hop 192.0.2.1,2001:db8::1`: one address per family at most. */
export function parseNextHops(text: string | undefined): string[] {
  if (text === undefined) return [];
  const list = text.split(',').map((a) => a.trim());
  for (const a of list) if (isIP(a) === 0) bad(`--next-hop: "${a}" is not an IP address`);
  if (new Set(list.map((a) => isIP(a))).size !== list.length)
    bad('--next-hop: at most one IPv4 and one IPv6 address');
  return list;
}

export async function runAnnounce(flags: AnnounceFlags): Promise<void> {
  if (!flags.connect === !flags.listen) bad('give exactly one of --connect HOST:PORT or --listen HOST:PORT');
  for (const [flag, asn] of [
    ['--asn', flags.asn],
    ['--peer-asn', flags.peerAsn],
  ] as const) {
    // RFC 7607: AS 0 is reserved; RFC 6793: AS numbers are 32 bits.
    if (!Number.isInteger(asn) || asn < 1 || asn > 0xffffffff)
      bad(`${flag}: expected an AS number 1-4294967295`);
  }
  if (flags.routerId !== undefined && !isRouterId(flags.routerId))
    bad(`--router-id: "${flags.routerId}" is not a non-zero dotted quad`);
  const nextHops = parseNextHops(flags.nextHop);
  const hold = flags.holdTime;
  if (
    hold !== undefined &&
    (!Number.isInteger(hold) || hold < 0 || hold > 65535 || hold === 1 || hold === 2)
  ) {
    bad('--hold-time: expected 0 or 3-65535 seconds (RFC 4271 §4.2)');
  }
  const communities = parseCommunities(flags.communities);
  const largeCommunities = parseLargeCommunities(flags.largeCommunities);
  const readStart = performance.now();
  const prefixes = readPrefixFile(flags.prefixes);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `read ${prefixes.length} prefixes from ${flags.prefixes} in ${Math.round(performance.now() - readStart)} ms`,
  );

  const logger = createServiceLogger(flags.logLevel ?? 'info', { service: 'ferry-announce' });
  const announcer = new Announcer({
    ...(flags.connect ? { connect: flags.connect } : {}),
    ...(flags.localAddress ? { localAddress: flags.localAddress } : {}),
    ...(flags.listen ? { listen: flags.listen } : {}),
    localAs: flags.asn,
    peerAs: flags.peerAsn,
    routerId: flags.routerId,
    nextHops,
    communities,
    largeCommunities,
    holdTimeSec: hold,
    logger,
  });
  announcer.on('state', (state, reason) => out(`state ${state}: ${reason}`));
  let withdrawTimer: NodeJS.Timeout | undefined;
  announcer.on('synced', (n, ms) => {
    out(`announced ${n} prefixes in ${Math.round(ms)} ms`);
    if (flags.withdrawAfter !== undefined && !withdrawTimer) {
      withdrawTimer = setTimeout(() => {
        const n = announcer.size;
        void announcer.withdrawAll().then(() => out(`withdrew ${n} prefixes`));
      }, flags.withdrawAfter * 1000);
    }
  });
  await announcer.announce(prefixes);
  await announcer.start();
  if (announcer.listenAddress)
    out(`listening on ${announcer.listenAddress.host}:${announcer.listenAddress.port}`);

  const control = createInterface({ input: process.stdin });
  control.on('line', (line) => void controlLine(announcer, line.trim(), out));

  await new Promise<void>((resolve) => {
    const finish = () => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      resolve();
    };
    process.on('SIGINT', finish);
    process.on('SIGTERM', finish);
    if (flags.signal?.aborted) finish();
    flags.signal?.addEventListener('abort', finish, { once: true });
  });
  clearTimeout(withdrawTimer);
  control.close();
  // Cease ends the session; the peer drops every route it learned from it (RFC 4271 §6.7).
  await announcer.stop();
  out('stopped');
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
}

async function controlLine(announcer: Announcer, line: string, out: (s: string) => void): Promise<void> {
  if (line === '' || line.startsWith('#')) return;
  const m = /^(announce|withdraw)\s+(\S+)$/.exec(line);
  if (!m) {
    out(`error: expected "announce PREFIX" or "withdraw PREFIX", got "${line}"`);
    return;
  }
  try {
    const prefix = parsePrefix(m[2]!);
    if (m[1] === 'announce') await announcer.announce([prefix]);
    else await announcer.withdraw([prefix]);
    out(`${m[1] === 'announce' ? 'announced' : 'withdrew'} ${m[2]}`);
  } catch (err) {
    out(`error: ${(err as Error).message}`);
  }
}
