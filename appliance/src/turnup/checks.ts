// The turn-up checks as pure evaluations (docs/install.md "Turn-up"): each takes the facts facts.ts
// gathered and says ok or not, with a detail an ISP engineer can act on. No I/O here, so
// every outcome is table-testable; the order is protocol's TURNUP_CHECKS.
import type { HeldKey, TurnupCheck, TurnupReport } from '@ferry/protocol';

/** Below this a store directory cannot take one more title's files. */
export const MIN_FREE_BYTES = 100 * 2 ** 20;

export interface DiskFact {
  path: string;
  /** the directory exists and is a directory */
  exists: boolean;
  /** a file could be created, written and removed in it */
  writable: boolean;
  freeBytes?: number;
  error?: string;
}

export function disksCheck(facts: readonly DiskFact[]): TurnupCheck {
  if (facts.length === 0) return fail('disks', 'no store directory configured (--store)');
  const problems: string[] = [];
  for (const f of facts) {
    if (!f.exists) problems.push(`${f.path}: does not exist${f.error ? ` (${f.error})` : ''}`);
    else if (!f.writable) problems.push(`${f.path}: not writable${f.error ? ` (${f.error})` : ''}`);
    else if (f.freeBytes !== undefined && f.freeBytes < MIN_FREE_BYTES) {
      problems.push(`${f.path}: only ${bytes(f.freeBytes)} free (needs ${bytes(MIN_FREE_BYTES)})`);
    }
  }
  if (problems.length > 0) return fail('disks', problems.join('; '));
  const free = facts.reduce((n, f) => n + (f.freeBytes ?? 0), 0);
  return pass('disks', `${facts.length} store dir(s) writable, ${bytes(free)} free`);
}

export interface IndexFact {
  /** why the index could not be read, when it could not */
  error?: string;
  entries: number;
  /** ids whose bytes are not where the index says */
  missing: readonly string[];
  /** disks the store has marked failed */
  failedDisks: readonly string[];
}

export function storeIndexCheck(f: IndexFact): TurnupCheck {
  if (f.error) return fail('store-index', `the store index cannot be read: ${f.error}`);
  if (f.failedDisks.length > 0) return fail('store-index', `failed disk(s): ${f.failedDisks.join(', ')}`);
  if (f.missing.length > 0) {
    const named = f.missing.slice(0, 3).join(', ');
    const more = f.missing.length > 3 ? ` and ${f.missing.length - 3} more` : '';
    return fail(
      'store-index',
      `${f.missing.length} of ${f.entries} indexed file(s) missing on disk: ${named}${more}`,
    );
  }
  return pass('store-index', `${f.entries} indexed file(s), all on disk`);
}

export interface KeysFact {
  /** --open: tokens are not checked */
  open: boolean;
  /** the signing key's id, and whether a token it signed verified */
  keyId?: string;
  signVerifyError?: string;
  held: readonly HeldKey[];
  /** --control given */
  controlConfigured: boolean;
  /** control's signing key from its last reply: undefined before one, null when it signs nothing */
  controlKey: HeldKey | null | undefined;
}

export function keysCheck(f: KeysFact): TurnupCheck {
  if (f.open) return pass('keys', 'open: no tokens');
  if (f.signVerifyError)
    return fail('keys', `key ${f.keyId ?? '?'} cannot sign and verify a token: ${f.signVerifyError}`);
  const own = `key ${f.keyId} signs and verifies a token`;
  if (!f.controlConfigured) return pass('keys', `${own} (no --control)`);
  if (f.controlKey === undefined) return fail('keys', `${own}; waiting for control to name its signing key`);
  if (f.controlKey === null) return pass('keys', `${own}; control signs no URLs`);
  const want = f.controlKey;
  if (f.held.some((k) => k.id === want.id && k.fingerprint === want.fingerprint)) {
    return pass('keys', `${own}; control signs with ${want.id}, held here`);
  }
  const held = f.held.map((k) => `${k.id}:${k.fingerprint.slice(0, 8)}…`).join(', ') || 'none';
  return fail(
    'keys',
    `control signs with ${want.id}:${want.fingerprint.slice(0, 8)}…, which this appliance does not hold (has ${held})`,
  );
}

export interface ControlFact {
  configured: boolean;
  /** wall-clock ms of control's last good reply; null before the first */
  lastSuccessMs: number | null;
  lastError: string | null;
  isolated: boolean;
}

export function controlCheck(f: ControlFact, nowMs: number): TurnupCheck {
  if (!f.configured) return pass('control', 'no --control');
  if (f.lastSuccessMs === null) {
    return fail('control', `no heartbeat accepted yet${f.lastError ? `: ${f.lastError}` : ''}`);
  }
  if (f.isolated)
    return fail('control', `isolated: no answer since ${new Date(f.lastSuccessMs).toISOString()}`);
  const ago = Math.max(0, (nowMs - f.lastSuccessMs) / 1000);
  return pass('control', `heartbeat accepted ${ago.toFixed(1)} s ago`);
}

export interface BgpFact {
  configured: boolean;
  sessions: readonly { address: string; state: string }[];
  routes: number;
}

export function bgpCheck(f: BgpFact): TurnupCheck {
  if (!f.configured) return pass('bgp', 'no BGP configured');
  const up = f.sessions.filter((s) => s.state === 'Established');
  if (up.length === 0) {
    const states = f.sessions.map((s) => `${s.address}: ${s.state}`).join(', ') || 'no peers';
    return fail('bgp', `no BGP session Established (${states})`);
  }
  if (f.routes === 0) return fail('bgp', `${up.length} session(s) Established but no routes received`);
  return pass('bgp', `${up.length} session(s) Established, ${f.routes} route(s)`);
}

export interface TestRangeFact {
  /** the file fetched; undefined when none is held */
  fileId?: string;
  url?: string;
  status?: number;
  bytes?: number;
  error?: string;
}

export function testRangeCheck(f: TestRangeFact): TurnupCheck {
  if (f.fileId === undefined) return fail('test-range', 'no content held yet');
  const what = `bytes 0-${TEST_RANGE_BYTES - 1} of ${f.fileId}`;
  if (f.error) return fail('test-range', `${what}: ${f.error}`);
  if (f.status !== 206) return fail('test-range', `${what}: HTTP ${f.status} from ${f.url}`);
  if (f.bytes === undefined || f.bytes < 1) return fail('test-range', `${what}: empty body from ${f.url}`);
  return pass('test-range', `${what} served by ${f.url} (${f.bytes} bytes, 206)`);
}

/** The range the test fetch asks for: small, and within any file. */
export const TEST_RANGE_BYTES = 1024;

export function turnupReport(checks: TurnupCheck[], nowMs: number): TurnupReport {
  return { passed: checks.every((c) => c.ok), checkedMs: nowMs, checks };
}

function pass(name: string, detail: string): TurnupCheck {
  return { name, ok: true, detail: clip(detail) };
}

function fail(name: string, detail: string): TurnupCheck {
  return { name, ok: false, detail: clip(detail) };
}

function clip(s: string): string {
  return s.length > 512 ? `${s.slice(0, 509)}...` : s;
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}
