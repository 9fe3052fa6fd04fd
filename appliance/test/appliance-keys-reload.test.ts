// `ferry appliance --workers 2` follows its token key file: a rotation (atomic rename) reaches
// every worker without a signal; kill -HUP of the primary (by pid) makes every worker reload
// and ends nothing; a broken file keeps the keys held, logged and counted as a failure.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@ferry/harness';
import {
  createKeyRing,
  formatKeyFile,
  generateKey,
  heldKeys,
  type KeyEntry,
  signToken,
  tokenQuery,
} from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentStore } from '../src/store/store.js';
import { testBytes } from './support/appliance-fixture.js';
import { type RunningAppliance, startApplianceProcess } from './support/appliance-process.js';
import { get, json } from './support/http-client.js';

function writeKeys(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

interface Status {
  state: string;
  worker?: { index: number };
  keys: { id: string }[];
  keyFile?: { lastReload: { why: string; result: string } | null };
}

describe('ferry appliance --workers 2 follows its key file', () => {
  let dir: string;
  let keyFile: string;
  let a: RunningAppliance;
  const k1 = generateKey('k1');
  const k2 = generateKey('k2');
  const urlFor = (key: KeyEntry) => {
    const t = signToken({
      key,
      fileId: 'clip',
      expiresAt: Math.floor(Date.now() / 1000) + 600,
      clientPrefix: '',
    });
    return `${a.url}/v1/c/clip?${tokenQuery(t, '')}`;
  };
  /** Six new connections: the primary hands them to the two workers in turn. */
  const statuses = async (key: KeyEntry) => {
    const out: { status: number; error?: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await get(urlFor(key), { Range: 'bytes=0-9' });
      out.push({ status: r.status, error: r.status === 403 ? json(r).error : undefined });
    }
    return out;
  };
  /** /v1/status of each worker, by index (new connections until both have answered). */
  const perWorker = async () => {
    const seen = new Map<number, Status>();
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      const s = json(await get(`${a.adminUrl}/v1/status`)) as unknown as Status;
      seen.set(s.worker!.index, s);
    }
    return seen;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-keys-reload-'));
    keyFile = join(dir, 'keys');
    writeKeys(keyFile, formatKeyFile([k1]));
    const store = join(dir, 'store');
    const s = ContentStore.open([store]);
    writeFileSync(join(dir, 'clip'), testBytes(10_000, 'clip'));
    await s.add(join(dir, 'clip'), 'clip');
    s.close();
    a = await startApplianceProcess(
      [
        '--id',
        'w2',
        '--listen',
        '127.0.0.1:0',
        '--store',
        store,
        '--token-key-file',
        keyFile,
        '--workers',
        '2',
        '--access-log',
        'off',
        '--log-level',
        'warn',
      ],
      30_000,
    );
  }, 60_000);

  afterAll(() => {
    if (a && a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a new key on every worker after the file is rotated, and the old one still', async () => {
    expect((await statuses(k2)).every((r) => r.error === 'FERRY_ERR_TOKEN_UNKNOWN_KEY')).toBe(true);
    writeKeys(keyFile, formatKeyFile([k2, k1]));
    await waitUntil(async () => (await statuses(k2)).every((r) => r.status === 206), {
      what: 'k2 served by both workers',
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    expect((await statuses(k1)).every((r) => r.status === 206)).toBe(true);
    const want = heldKeys(createKeyRing([k2, k1]));
    const seen = await perWorker();
    expect(seen.size).toBe(2);
    for (const s of seen.values()) expect(s.keys).toEqual(want);
  });

  it('reloads every worker on kill -HUP of the primary and keeps serving', async () => {
    a.child.kill('SIGHUP');
    await waitUntil(
      async () => {
        const seen = await perWorker();
        return seen.size === 2 && [...seen.values()].every((s) => s.keyFile?.lastReload?.why === 'SIGHUP');
      },
      { what: 'both workers reloaded on SIGHUP', timeoutMs: 15_000, intervalMs: 200 },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(a.child.exitCode).toBeNull();
    expect(a.child.signalCode).toBeNull();
    for (const s of (await perWorker()).values()) expect(s.state).toBe('serving');
    expect((await statuses(k2)).every((r) => r.status === 206)).toBe(true);
  });

  it('keeps the keys it holds when the file turns bad, and counts the failure', async () => {
    writeKeys(keyFile, 'k3 not-a-key\n');
    await waitUntil(
      async () => {
        const seen = await perWorker();
        return seen.size === 2 && [...seen.values()].every((s) => s.keyFile?.lastReload?.result === 'failed');
      },
      { what: 'both workers saw the bad file', timeoutMs: 15_000, intervalMs: 200 },
    );
    expect((await statuses(k2)).every((r) => r.status === 206)).toBe(true);
    expect((await statuses(k1)).every((r) => r.status === 206)).toBe(true);
    const metrics = (await get(`${a.adminUrl}/metrics`)).body.toString();
    expect(metrics).toMatch(/ferry_token_key_reloads_total\{result="failed"\} [1-9]/);
  });
});
