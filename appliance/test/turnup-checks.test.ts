// The turn-up checks on a real appliance (docs/install.md "Turn-up"): all pass on an open appliance with
// content and nothing else configured; an unwritable store directory (chattr +i: the tests
// run as root, which file modes do not stop), a file missing behind the index's back and an
// empty store each fail their check with a detail, and pass again once put right. The pure
// evaluations are table-tested beside.
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@ferry/harness';
import type { TurnupReport } from '@ferry/protocol';
import { TURNUP_CHECKS } from '@ferry/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  bgpCheck,
  controlCheck,
  disksCheck,
  keysCheck,
  MIN_FREE_BYTES,
  storeIndexCheck,
} from '../src/turnup/checks.js';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { get, json } from './support/http-client.js';

const turnup = async (fx: Fixture, run = true): Promise<TurnupReport> => {
  const r = await get(`${fx.adminUrl}/v1/turnup${run ? '?run=1' : ''}`);
  expect(r.status).toBe(200);
  return json(r) as unknown as TurnupReport;
};
const check = (r: TurnupReport, name: string) => r.checks.find((c) => c.name === name)!;

describe('turn-up evaluations', () => {
  it('judge disks, index, keys, control and BGP from their facts', () => {
    expect(disksCheck([]).ok).toBe(false);
    expect(
      disksCheck([{ path: '/s', exists: true, writable: true, freeBytes: MIN_FREE_BYTES - 1 }]).detail,
    ).toMatch(/^\/s: only .* free/);
    expect(disksCheck([{ path: '/s', exists: false, writable: false, error: 'ENOENT' }]).detail).toBe(
      '/s: does not exist (ENOENT)',
    );
    expect(storeIndexCheck({ entries: 5, missing: ['a', 'b', 'c', 'd'], failedDisks: [] }).detail).toBe(
      '4 of 5 indexed file(s) missing on disk: a, b, c and 1 more',
    );
    const own = {
      open: false,
      keyId: 'k1',
      held: [{ id: 'k1', fingerprint: 'AAAAAAAAAAAAAAAA' }],
      controlConfigured: true,
    };
    expect(keysCheck({ ...own, controlKey: undefined }).ok).toBe(false);
    expect(keysCheck({ ...own, controlKey: null })).toMatchObject({
      ok: true,
      detail: 'key k1 signs and verifies a token; control signs no URLs',
    });
    expect(keysCheck({ ...own, controlKey: { id: 'k1', fingerprint: 'AAAAAAAAAAAAAAAA' } }).ok).toBe(true);
    expect(keysCheck({ ...own, controlKey: { id: 'k1', fingerprint: 'BBBBBBBBBBBBBBBB' } }).detail).toBe(
      'control signs with k1:BBBBBBBB…, which this appliance does not hold (has k1:AAAAAAAA…)',
    );
    expect(keysCheck({ ...own, open: true, controlKey: undefined })).toMatchObject({
      ok: true,
      detail: 'open: no tokens',
    });
    expect(
      controlCheck({ configured: false, lastSuccessMs: null, lastError: null, isolated: false }, 0),
    ).toMatchObject({
      ok: true,
      detail: 'no --control',
    });
    expect(
      controlCheck({ configured: true, lastSuccessMs: null, lastError: 'ECONNREFUSED', isolated: false }, 0)
        .detail,
    ).toBe('no heartbeat accepted yet: ECONNREFUSED');
    expect(bgpCheck({ configured: false, sessions: [], routes: 0 })).toMatchObject({
      ok: true,
      detail: 'no BGP configured',
    });
    expect(
      bgpCheck({ configured: true, sessions: [{ address: '10.0.0.1', state: 'Active' }], routes: 0 }).detail,
    ).toBe('no BGP session Established (10.0.0.1: Active)');
    expect(
      bgpCheck({ configured: true, sessions: [{ address: '10.0.0.1', state: 'Established' }], routes: 0 }).ok,
    ).toBe(false);
  });
});

describe('turn-up checks on a real appliance', () => {
  let fx: Fixture;
  let store: string;
  const immutable: string[] = [];

  beforeAll(async () => {
    fx = await startFixture({ files: { 'f-a': 50_000, 'f-b': 20_000 } });
    store = fx.app.config.stores[0]!;
  });

  afterEach(() => {
    for (const dir of immutable.splice(0)) execFileSync('chattr', ['-i', dir]);
  });

  afterAll(async () => {
    await fx?.stop();
  });

  it('pass on an open appliance with content, no control and no BGP, in TURNUP_CHECKS order', async () => {
    const r = await turnup(fx, false);
    expect(r.checks.map((c) => c.name)).toEqual([...TURNUP_CHECKS]);
    expect(r.passed, JSON.stringify(r.checks)).toBe(true);
    expect(check(r, 'keys').detail).toBe('open: no tokens');
    expect(check(r, 'control').detail).toBe('no --control');
    expect(check(r, 'bgp').detail).toBe('no BGP configured');
    expect(check(r, 'test-range').detail).toMatch(
      /^bytes 0-1023 of f-[ab] served by http:\/\/127\.0\.0\.1:\d+\/v1\/c\/f-[ab] \(1024 bytes, 206\)$/,
    );
    expect(check(r, 'store-index').detail).toBe('2 indexed file(s), all on disk');
  });

  it('fail disks for a store directory nothing can be written to, and pass once it can', async () => {
    execFileSync('chattr', ['+i', store]);
    immutable.push(store);
    const r = await turnup(fx);
    expect(r.passed, `${store} ${JSON.stringify(r.checks)}`).toBe(false);
    expect(check(r, 'disks')).toMatchObject({ ok: false, detail: `${store}: not writable (EPERM)` });
    execFileSync('chattr', ['-i', immutable.pop()!]);
    expect(check(await turnup(fx), 'disks').ok).toBe(true);
  });

  it('fail store-index for an indexed file gone from disk, and pass once it is back', async () => {
    const path = fx.app.store.lookup('f-b')!.path;
    const aside = `${path}.aside`;
    renameSync(path, aside);
    try {
      const r = await turnup(fx);
      expect(check(r, 'store-index')).toEqual({
        name: 'store-index',
        ok: false,
        detail: '1 of 2 indexed file(s) missing on disk: f-b',
      });
    } finally {
      renameSync(aside, path);
    }
    expect(check(await turnup(fx), 'store-index').ok).toBe(true);
  });

  it('fail test-range with no content held, and pass once a file is added', async () => {
    const empty = await startFixture({ files: {} });
    try {
      expect(check(await turnup(empty), 'test-range')).toEqual({
        name: 'test-range',
        ok: false,
        detail: 'no content held yet',
      });
      const src = join(empty.dir, 'f-new');
      writeFileSync(src, readFileSync(fx.app.store.lookup('f-a')!.path));
      await empty.app.store.add(src, 'f-new');
      rmSync(src);
      const r = await turnup(empty);
      expect(check(r, 'test-range').ok).toBe(true);
      expect(r.passed).toBe(true);
    } finally {
      await empty.stop();
    }
  });

  it('fail control while no heartbeat is accepted (control unreachable)', async () => {
    const port = await freePort('127.0.0.1');
    const lost = await startFixture({ config: { control: `http://127.0.0.1:${port}`, heartbeatMs: 200 } });
    try {
      const c = check(await turnup(lost), 'control');
      expect(c.ok).toBe(false);
      expect(c.detail).toMatch(/^no heartbeat accepted yet/);
      // Control never answered: it never named a signing key either (the fixture runs --open).
      expect(check(await turnup(lost, false), 'keys').detail).toBe('open: no tokens');
    } finally {
      await lost.stop();
    }
  });

  it('keep a passed test range while draining (viewers get 503), and run it again once serving', async () => {
    fx.app.server.requestDrain(false);
    const r = await turnup(fx);
    expect(check(r, 'test-range')).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/\(kept while draining\)$/),
    });
    fx.app.server.undrain();
    expect(check(await turnup(fx), 'test-range').detail).not.toMatch(/kept/);
  });
});
