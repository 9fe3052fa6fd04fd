// The I/O behind each turn-up check (checks.ts judges what is gathered here): the store
// directories probed with a real write, the index's entries stat'ed, a token signed and
// verified, and a range of a held file fetched from the appliance's own viewer port.
import { randomBytes } from 'node:crypto';
import { constants, statSync } from 'node:fs';
import { access, rm, statfs, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { type KeyRing, signToken, tokenQuery, verifyToken } from '@ferry/protocol';
import { TURNUP_REQUEST_HEADER } from '../ops/file-traffic.js';
import type { ContentStore } from '../store/store.js';
import { type DiskFact, type IndexFact, TEST_RANGE_BYTES, type TestRangeFact } from './checks.js';

/** Entries stat'ed per run at most: a store of millions of files is checked in samples. */
const MAX_STAT = 10_000;
const FETCH_TIMEOUT_MS = 5000;

export async function diskFacts(dirs: readonly string[]): Promise<DiskFact[]> {
  return Promise.all(dirs.map(diskFact));
}

async function diskFact(path: string): Promise<DiskFact> {
  try {
    if (!statSync(path).isDirectory())
      return { path, exists: false, writable: false, error: 'not a directory' };
  } catch (err) {
    return { path, exists: false, writable: false, error: code(err) };
  }
  const probe = join(path, `.ferry-turnup-${randomBytes(6).toString('hex')}`);
  try {
    await access(path, constants.W_OK);
    await writeFile(probe, 'turn-up probe\n', { flag: 'wx' });
  } catch (err) {
    return { path, exists: true, writable: false, error: code(err) };
  } finally {
    await rm(probe, { force: true }).catch(() => {});
  }
  try {
    const fs = await statfs(path);
    return { path, exists: true, writable: true, freeBytes: fs.bavail * fs.bsize };
  } catch (err) {
    return { path, exists: true, writable: true, error: code(err) };
  }
}

export function indexFact(store: ContentStore): IndexFact {
  try {
    const files = store.list();
    const failedDisks = store
      .disks()
      .filter((d) => d.state !== 'ok')
      .map((d) => d.id);
    const missing: string[] = [];
    for (const f of files.slice(0, MAX_STAT)) {
      if (f.missing && !f.unreadable) continue;
      try {
        if (!statSync(f.path).isFile()) missing.push(f.id);
      } catch {
        missing.push(f.id);
      }
    }
    return { entries: files.length, missing, failedDisks };
  } catch (err) {
    return { error: (err as Error).message, entries: 0, missing: [], failedDisks: [] };
  }
}

/** Signs a token with the ring's signing key and verifies it with the ring: undefined when it holds. */
export function signVerify(ring: KeyRing, nowSec: number): string | undefined {
  try {
    const fileId = 'turnup-check';
    const token = signToken({ key: ring.signing, fileId, expiresAt: nowSec + 60, clientPrefix: '' });
    const check = verifyToken(token, { keys: ring, fileId, clientPrefix: '', nowSec });
    return check.ok ? undefined : `verify said ${check.reason}`;
  } catch (err) {
    return (err as Error).message;
  }
}

export interface TestRangeInput {
  store: ContentStore;
  /** the viewers' URL as the appliance listens (`http://127.0.0.11:8080`) */
  viewerUrl: string;
  /** the token keys; undefined with --open */
  ring: KeyRing | undefined;
  nowSec: number;
}

/** A range of the first servable file, fetched over loopback with a token minted here. */
export async function testRangeFact(input: TestRangeInput): Promise<TestRangeFact> {
  const file = input.store.list().find((f) => !f.missing && f.unreadable === undefined && f.size > 0);
  if (!file) return {};
  const base = loopbackBase(input.viewerUrl);
  const query = input.ring
    ? `?${tokenQuery(signToken({ key: input.ring.signing, fileId: file.id, expiresAt: input.nowSec + 60, clientPrefix: '' }), '')}`
    : '';
  const url = `${base}/v1/c/${file.id}`;
  try {
    const r = await fetchRange(`${url}${query}`);
    return { fileId: file.id, url, ...r };
  } catch (err) {
    return { fileId: file.id, url, error: (err as Error).message };
  }
}

/** A wildcard listen address is reached on the loopback of its family. */
export function loopbackBase(viewerUrl: string): string {
  const u = new URL(viewerUrl);
  if (u.hostname === '0.0.0.0') u.hostname = '127.0.0.1';
  if (u.hostname === '[::]') u.hostname = '[::1]';
  return u.origin;
}

function fetchRange(url: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const https = url.startsWith('https:');
    const send = https ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        headers: {
          range: `bytes=0-${TEST_RANGE_BYTES - 1}`,
          'user-agent': 'ferry-turnup',
          [TURNUP_REQUEST_HEADER]: '1',
        },
        timeout: FETCH_TIMEOUT_MS,
        agent: false,
        // Its own certificate, reached by address: serving is what is checked, not the name.
        ...(https ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${FETCH_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function code(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message;
}
