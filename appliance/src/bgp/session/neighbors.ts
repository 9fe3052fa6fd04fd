// BGP neighbors from `ferry appliance` flags or a JSON file (--bgp-config), checked at start
// with messages that name the field. Passive by default: the appliance listens and accepts
// the configured peer's address and AS only; any address only when asked for by name
// (`--bgp-peer any`, `"address": "any"`), for labs.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { bgpConfigError } from '../errors.js';
import { DEFAULT_OPEN_WAIT_SEC } from './fsm-types.js';

/** A neighbor as configured (flags or config file). */
export interface NeighborConfig {
  /** peer address; for passive sessions, the address connections are accepted from */
  address: string;
  port: number;
  peerAs: number;
  localAs: number;
  routerId: string;
  /** 'active' connects out, 'passive' waits for the peer */
  mode: 'active' | 'passive';
  holdTimeSec: number;
  connectRetrySec: number;
  /** how long a new connection may stay silent before its OPEN (default 10 s, fsm-types.ts) */
  openWaitSec?: number;
  /** source address for active connections (peers that accept only a configured address) */
  localAddress?: string;
  /**
   * RFC 4724 receiving-speaker procedures (graceful-restart.ts): advertise the capability and
   * keep a restarting peer's routes, marked stale. Off when absent (`ferry announce`).
   */
  gracefulRestart?: GracefulRestartConfig;
  /** RFC 2385 TCP MD5 signature key (1-80 bytes); needs the native addon */
  password?: string;
  /** RFC 4486 maximum number of prefixes per family, with warning and hold-down */
  maxPrefixes?: MaxPrefixConfig;
}

export interface GracefulRestartConfig {
  /** Restart Time we advertise (RFC 4724 §3, 12 bits) */
  restartTimeSec: number;
  /** upper bound on how long a peer's stale routes are kept, from when its session went down */
  staleTimeSec: number;
}

export interface MaxPrefixConfig {
  /** routes one family may hold from this peer; one more is a Cease 6/1 */
  limit: number;
  /** percentage of the limit at which a warning is logged and counted, once per session */
  warnPercent: number;
  /** how long the neighbor stays Idle (refusing connections) after the Cease */
  restartSec: number;
}

export interface HostPort {
  host: string;
  port: number;
}

/** The `ferry appliance` flags that configure BGP (names as commander gives them). */
export interface BgpFlags {
  bgpListen?: HostPort;
  asn?: number;
  peerAsn?: number;
  bgpPeer?: string;
  bgpRouterId?: string;
  bgpHoldTime?: number;
  bgpConfig?: string;
}

export interface BgpSettings {
  /** where passive neighbors are accepted; required when any neighbor is passive */
  listen?: HostPort;
  neighbors: NeighborConfig[];
}

/** The neighbor address that accepts a connection from any address. */
export const ANY_ADDRESS = '*';
/** How a configuration asks for ANY_ADDRESS (`*` too, the form status and peer keys show). */
const ANY_WORDS = ['any', ANY_ADDRESS];
export const DEFAULT_PORT = 179;
export const DEFAULT_HOLD_TIME_SEC = 90;
export const DEFAULT_CONNECT_RETRY_SEC = 5;
const FALLBACK_ROUTER_ID = '192.0.2.1';
/** RFC 4724 §3 suggests a Restart Time below the hold time; BIRD's and FRR's default is 120 s. */
export const DEFAULT_RESTART_TIME_SEC = 120;
/** FRR's stalepath-time default: stale routes never outlive this, whatever the peer says. */
export const DEFAULT_STALE_TIME_SEC = 360;
export const DEFAULT_MAX_PREFIX_WARN_PERCENT = 90;
/** Idle after a max-prefix Cease before taking the peer again (FRR's restart is in minutes). */
export const DEFAULT_MAX_PREFIX_RESTART_SEC = 60;
/** RFC 2385 §4.5 / linux TCP_MD5SIG_MAXKEYLEN */
export const MAX_PASSWORD_BYTES = 80;

/** Lower-case, compressed IPv6; IPv4-mapped IPv6 as plain IPv4 (what sockets report varies). */
export function canonicalAddress(addr: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) return mapped[1]!;
  if (isIP(addr) === 6) return new URL(`http://[${addr}]`).hostname.slice(1, -1);
  return addr;
}

export function isRouterId(s: string): boolean {
  return isIP(s) === 4 && s !== '0.0.0.0';
}

/** Default router id: the listen address when it is a specific IPv4 address. */
function defaultRouterId(listen: HostPort | undefined): string {
  return listen && isRouterId(listen.host) ? listen.host : FALLBACK_ROUTER_ID;
}

function fail(where: string, what: string): never {
  throw bgpConfigError(`${where}: ${what}`);
}

function asNumber(v: unknown, where: string): number {
  // RFC 7607: AS 0 is reserved; RFC 6793: AS numbers are 32 bits.
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 0xffffffff) {
    fail(where, `expected an AS number 1-4294967295, got ${JSON.stringify(v)}`);
  }
  return v;
}

function holdTime(v: unknown, where: string): number {
  // RFC 4271 §4.2: zero, or at least three seconds.
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535 || v === 1 || v === 2) {
    fail(where, `expected 0 or 3-65535 seconds, got ${JSON.stringify(v)}`);
  }
  return v;
}

function intIn(v: unknown, lo: number, hi: number, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    fail(where, `expected an integer ${lo}-${hi}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function parseListen(v: unknown, where: string): HostPort {
  if (typeof v !== 'string') fail(where, 'expected "HOST:PORT"');
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(v) ?? /^([^:[\]]+):(\d+)$/.exec(v);
  if (!m) fail(where, `expected HOST:PORT (or [V6]:PORT), got ${JSON.stringify(v)}`);
  return { host: m[1]!, port: intIn(Number(m[2]), 0, 65535, where) };
}

interface Defaults {
  localAs?: number;
  routerId: string;
  holdTimeSec: number;
  openWaitSec: number;
}

const NEIGHBOR_KEYS = [
  'address',
  'port',
  'peerAsn',
  'asn',
  'mode',
  'holdTime',
  'openWait',
  'connectRetry',
  'routerId',
  'gracefulRestart',
  'restartTime',
  'staleTime',
  'password',
  'maxPrefixes',
  'maxPrefixesWarn',
  'maxPrefixesRestart',
];

/** gracefulRestart (default true), restartTime (default 120), staleTime (default 360). */
function gracefulRestart(o: Record<string, unknown>, where: string): GracefulRestartConfig | undefined {
  const on = o.gracefulRestart ?? true;
  if (typeof on !== 'boolean') fail(`${where}.gracefulRestart`, 'expected true or false');
  if (!on) {
    for (const k of ['restartTime', 'staleTime']) {
      if (o[k] !== undefined) fail(`${where}.${k}`, 'needs "gracefulRestart": true');
    }
    return undefined;
  }
  // 12 bits on the wire (RFC 4724 §3).
  const restartTimeSec = intIn(o.restartTime ?? DEFAULT_RESTART_TIME_SEC, 1, 4095, `${where}.restartTime`);
  const staleTimeSec = intIn(o.staleTime ?? DEFAULT_STALE_TIME_SEC, 1, 86_400, `${where}.staleTime`);
  return { restartTimeSec, staleTimeSec };
}

function maxPrefixes(o: Record<string, unknown>, where: string): MaxPrefixConfig | undefined {
  if (o.maxPrefixes === undefined) {
    for (const k of ['maxPrefixesWarn', 'maxPrefixesRestart']) {
      if (o[k] !== undefined) fail(`${where}.${k}`, 'needs "maxPrefixes"');
    }
    return undefined;
  }
  return {
    // RFC 4486 §4 carries the bound in 4 octets.
    limit: intIn(o.maxPrefixes, 1, 0xffffffff, `${where}.maxPrefixes`),
    warnPercent: intIn(
      o.maxPrefixesWarn ?? DEFAULT_MAX_PREFIX_WARN_PERCENT,
      1,
      100,
      `${where}.maxPrefixesWarn`,
    ),
    restartSec: intIn(
      o.maxPrefixesRestart ?? DEFAULT_MAX_PREFIX_RESTART_SEC,
      1,
      86_400,
      `${where}.maxPrefixesRestart`,
    ),
  };
}

function password(v: unknown, where: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0) fail(where, 'expected a non-empty string');
  const bytes = Buffer.byteLength(v);
  if (bytes > MAX_PASSWORD_BYTES) fail(where, `at most ${MAX_PASSWORD_BYTES} bytes, got ${bytes}`);
  return v;
}

/** The OPEN wait, in seconds: at least 1, at most the 240 s RFC 4271 §8.2.2 suggests. */
function openWait(v: unknown, where: string): number {
  return intIn(v, 1, 240, where);
}

/** A neighbor address: an IP address, or "any" spelled out (no default: strangers stay out). */
function neighborAddress(v: unknown, where: string): string {
  if (v === undefined) {
    fail(where, 'required: the peer\'s IPv4 or IPv6 address, or "any" to accept any address (labs only)');
  }
  if (typeof v === 'string' && ANY_WORDS.includes(v)) return ANY_ADDRESS;
  if (typeof v !== 'string' || isIP(v) === 0) {
    fail(where, `expected an IPv4 or IPv6 address or "any", got ${JSON.stringify(v)}`);
  }
  return canonicalAddress(v);
}

function neighborFromJson(v: unknown, where: string, d: Defaults): NeighborConfig {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(where, 'expected an object');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!NEIGHBOR_KEYS.includes(k))
      fail(`${where}.${k}`, `unknown field (known: ${NEIGHBOR_KEYS.join(', ')})`);
  }
  const mode = o.mode ?? 'passive';
  if (mode !== 'active' && mode !== 'passive') fail(`${where}.mode`, 'expected "active" or "passive"');
  const address = neighborAddress(o.address, `${where}.address`);
  if (mode === 'active' && address === ANY_ADDRESS)
    fail(`${where}.address`, 'an active neighbor needs an address');
  if (o.password !== undefined && address === ANY_ADDRESS)
    fail(`${where}.password`, 'a TCP MD5 key is bound to one peer address, not "any"');
  const localAs = o.asn ?? d.localAs;
  if (localAs === undefined) fail(`${where}.asn`, 'local AS missing (set "asn" or --asn)');
  const routerId = o.routerId ?? d.routerId;
  if (typeof routerId !== 'string' || !isRouterId(routerId)) {
    fail(`${where}.routerId`, `expected a non-zero dotted quad, got ${JSON.stringify(routerId)}`);
  }
  return {
    address,
    port: intIn(o.port ?? DEFAULT_PORT, 1, 65535, `${where}.port`),
    peerAs: asNumber(o.peerAsn, `${where}.peerAsn`),
    localAs: asNumber(localAs, `${where}.asn`),
    routerId,
    mode,
    holdTimeSec: holdTime(o.holdTime ?? d.holdTimeSec, `${where}.holdTime`),
    openWaitSec: openWait(o.openWait ?? d.openWaitSec, `${where}.openWait`),
    connectRetrySec: intIn(o.connectRetry ?? DEFAULT_CONNECT_RETRY_SEC, 1, 3600, `${where}.connectRetry`),
    ...optional('gracefulRestart', gracefulRestart(o, where)),
    ...optional('password', password(o.password, `${where}.password`)),
    ...optional('maxPrefixes', maxPrefixes(o, where)),
  };
}

function optional<K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
}

/** Cross-neighbor checks: one neighbor per address, at most one wildcard, a listener for passive ones. */
export function checkSettings(s: BgpSettings, where: string): BgpSettings {
  const seen = new Set<string>();
  for (const [i, n] of s.neighbors.entries()) {
    if (seen.has(n.address)) fail(`${where} neighbors[${i}].address`, `${n.address} is configured twice`);
    seen.add(n.address);
  }
  if (s.neighbors.length === 0) fail(where, 'no neighbors configured');
  if (s.neighbors.some((n) => n.mode === 'passive') && !s.listen) {
    fail(where, 'passive neighbors need a listen address (--bgp-listen or "listen")');
  }
  return s;
}

const FILE_KEYS = ['listen', 'asn', 'routerId', 'holdTime', 'openWait', 'neighbors'];

/** A parsed --bgp-config document: `{ listen?, asn?, routerId?, holdTime?, neighbors: [...] }` or a bare list. */
export function settingsFromJson(doc: unknown, source: string, flags: BgpFlags = {}): BgpSettings {
  const o: Record<string, unknown> = Array.isArray(doc)
    ? { neighbors: doc }
    : (doc as Record<string, unknown>);
  if (typeof o !== 'object' || o === null) fail(source, 'expected a JSON object or a list of neighbors');
  for (const k of Object.keys(o)) {
    if (!FILE_KEYS.includes(k)) fail(`${source} ${k}`, `unknown field (known: ${FILE_KEYS.join(', ')})`);
  }
  const listen = o.listen !== undefined ? parseListen(o.listen, `${source} listen`) : flags.bgpListen;
  const defaults: Defaults = {
    localAs: o.asn !== undefined ? asNumber(o.asn, `${source} asn`) : flags.asn,
    routerId: (o.routerId as string | undefined) ?? flags.bgpRouterId ?? defaultRouterId(listen),
    holdTimeSec:
      o.holdTime !== undefined
        ? holdTime(o.holdTime, `${source} holdTime`)
        : (flags.bgpHoldTime ?? DEFAULT_HOLD_TIME_SEC),
    openWaitSec:
      o.openWait !== undefined ? openWait(o.openWait, `${source} openWait`) : DEFAULT_OPEN_WAIT_SEC,
  };
  if (!Array.isArray(o.neighbors)) fail(`${source} neighbors`, 'expected a list of neighbors');
  const neighbors = o.neighbors.map((n, i) => neighborFromJson(n, `${source} neighbors[${i}]`, defaults));
  return checkSettings({ ...(listen ? { listen } : {}), neighbors }, source);
}

export function loadSettingsFile(path: string, flags: BgpFlags = {}): BgpSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw bgpConfigError(`${path}: cannot read (${(err as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw bgpConfigError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return settingsFromJson(doc, path, flags);
}

/** BGP settings for `ferry appliance`, or undefined when no BGP flag is given (BGP off). */
export function settingsFromFlags(flags: BgpFlags): BgpSettings | undefined {
  if (flags.bgpConfig !== undefined) {
    if (flags.peerAsn !== undefined || flags.bgpPeer !== undefined) {
      throw bgpConfigError(
        '--bgp-config lists the neighbors; do not combine it with --peer-asn or --bgp-peer',
      );
    }
    return loadSettingsFile(flags.bgpConfig, flags);
  }
  const given = [
    flags.bgpListen,
    flags.asn,
    flags.peerAsn,
    flags.bgpPeer,
    flags.bgpRouterId,
    flags.bgpHoldTime,
  ];
  if (given.every((v) => v === undefined)) return undefined;
  if (!flags.bgpListen) throw bgpConfigError('--bgp-listen HOST:PORT is required for BGP');
  if (flags.asn === undefined) throw bgpConfigError('--asn is required with --bgp-listen');
  if (flags.peerAsn === undefined) throw bgpConfigError('--peer-asn is required with --bgp-listen');
  if (flags.bgpPeer === undefined) {
    // Without it any host that can reach --bgp-listen could announce routes (0.0.0.0/1 …).
    throw bgpConfigError(
      "--peer-asn needs --bgp-peer ADDR, the router's address (--bgp-peer any accepts any address: labs only)",
    );
  }
  const neighbor = { address: flags.bgpPeer, peerAsn: flags.peerAsn, mode: 'passive' };
  return settingsFromJson({ neighbors: [neighbor] }, 'flags', flags);
}

/** The key the RIB and status use for a neighbor's routes. */
export function peerKey(n: NeighborConfig): string {
  return n.address === ANY_ADDRESS ? `*/AS${n.peerAs}` : n.address;
}
