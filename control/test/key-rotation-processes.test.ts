// Key rotation as docs/tokens.md describes it, with real processes: `ferry control` and two
// `ferry appliance` processes on one key file, rotated with `ferry keys generate --add`.
// Every URL steering hands out during the rotation is served; control switches to the new
// key once both appliances report it; URLs of a removed key get 403; kill -HUP (by pid)
// reloads and ends nothing; an appliance started on another key file is shown unhealthy
// with the reason and is never steered to.
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentStore, generateContent } from '@ferry/appliance';
import { waitUntil } from '@ferry/harness';
import {
  type ApplianceList,
  formatKeyFile,
  generateKey,
  heldKeys,
  loadKeyRing,
  type SteerResponse,
} from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  enrollAppliance,
  type FerryProc,
  ferry,
  ferryControl,
  isRunning,
  killAll,
  SERVING,
} from './support/ferry-cli.js';
import { type TestTokens, writeTestTokens } from './support/fleet-auth.js';

const started: FerryProc[] = [];
const READY = /admin on (http:\/\/\S+)/;

/** The key id a URL's token names (docs/tokens.md: base64url of `keyId.expiry.mac`). */
function keyIdOf(url: string): string {
  const t = new URL(url).searchParams.get('t')!;
  return Buffer.from(t, 'base64url').toString('latin1').split('.')[0]!;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  await waitUntil(check, { what, timeoutMs, intervalMs: 100 });
}

describe('token key rotation across control and two appliances (real processes)', () => {
  let dir: string;
  let keyFile: string;
  let control: FerryProc;
  const admin = new Map<string, string>();
  const appliances = new Map<string, FerryProc>();
  let titleId: string;
  let store: (name: string) => Promise<string>;
  let tokens: TestTokens;
  const bearer = () => ({ authorization: `Bearer ${tokens.admin}` });

  const view = async () =>
    ((await call(`${control.url}/v1/appliances`, { headers: bearer() })).body as ApplianceList).appliances;
  const steer = async () =>
    (await call(`${control.url}/v1/steer`, { method: 'POST', body: { titleId } })) as {
      status: number;
      body: SteerResponse;
    };
  /** Fetches the first bytes of a URL steering gave out. */
  const fetchUrl = (url: string) => call(url, { headers: { Range: 'bytes=0-99' } });

  const startAppliance = async (id: string, keys: string) => {
    const identity = await enrollAppliance(control.url!, bearer(), dir, id);
    const p = await ferry(
      [
        'appliance',
        '--id',
        id,
        '--site',
        'site-a',
        '--listen',
        '127.0.0.1:0',
        '--store',
        await store(id),
        '--control',
        control.url!,
        '--token-key-file',
        keys,
        '--identity-key',
        identity,
        '--access-log',
        'off',
        '--log-level',
        'info',
      ],
      SERVING,
      started,
    );
    admin.set(id, READY.exec(p.stderr())![1]!);
    appliances.set(id, p);
    return p;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-rotation-'));
    keyFile = join(dir, 'keys');
    tokens = await writeTestTokens(dir);
    writeFileSync(keyFile, formatKeyFile([generateKey('k1')]), { mode: 0o600 });
    const { catalog, catalogPath } = generateContent({
      out: join(dir, 'content'),
      titles: 1,
      minutes: 0.1,
      seed: 'rotation',
    });
    titleId = catalog.titles[0]!.id;
    store = async (name) => {
      const path = join(dir, `store-${name}`);
      const s = ContentStore.open([path]);
      for (const stream of catalog.titles[0]!.streams)
        await s.add(join(dir, 'content', stream.streamId), stream.streamId);
      s.close();
      return path;
    };
    control = await ferryControl(
      [
        '--db',
        join(dir, 'control.db'),
        '--token-key-file',
        keyFile,
        '--fallback-site',
        'site-a',
        '--operator-tokens',
        tokens.file,
        '--log-level',
        'info',
      ],
      started,
    );
    const posted = await call(`${control.url}/v1/catalog`, {
      method: 'POST',
      headers: bearer(),
      body: JSON.parse(readFileSync(catalogPath, 'utf8')),
    });
    expect(posted.status).toBe(200);
    await Promise.all([startAppliance('a1', keyFile), startAppliance('a2', keyFile)]);
    await until('both appliances healthy', async () => {
      const v = await view();
      return v.length === 2 && v.every((a) => a.health === 'healthy');
    });
  }, 120_000);

  afterAll(async () => {
    await killAll(started);
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the keys each appliance holds, in its status and in control’s registry', async () => {
    const want = heldKeys(await loadKeyRing(keyFile));
    for (const id of ['a1', 'a2']) {
      const status = (await call(`${admin.get(id)}/v1/status`)).body as { keys: unknown };
      expect(status.keys).toEqual(want);
    }
    expect((await view()).map((a) => a.keys)).toEqual([want, want]);
  });

  it('shows an appliance on another key file unhealthy with the reason and never steers to it', async () => {
    const otherKeys = join(dir, 'other-keys');
    // Same key id, another secret: every token control signs fails its signature check.
    writeFileSync(otherKeys, formatKeyFile([generateKey('k1')]), { mode: 0o600 });
    const a3 = await startAppliance('a3', otherKeys);
    await until('a3 shown unhealthy for its keys', async () => {
      const a = (await view()).find((x) => x.id === 'a3');
      return a?.health === 'unhealthy' && /holds no key that verifies control's URLs/.test(a.healthReason);
    });
    const a = (await view()).find((x) => x.id === 'a3')!;
    expect(a.healthReason).toMatch(/\(has k1:\S+…, control signs with k1:\S+…\)/);
    // It keeps answering its probes: only the keys keep it out.
    expect((await call(`${a.url}/healthz`)).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      const r = await steer();
      expect(r.status).toBe(200);
      for (const s of r.body.streams) expect(s.urls.map((u) => u.applianceId).sort()).toEqual(['a1', 'a2']);
    }
    a3.child.kill('SIGTERM');
    expect(await a3.exited).toBe(0);
    appliances.delete('a3');
    // Gone once it said it drains or its heartbeat is stale: from then on it holds no
    // rotation back.
    await until('a3 gone', async () => {
      const gone = (await view()).find((x) => x.id === 'a3');
      // Control's default staleness limit is 2.5 s (docs/control.md); same clock here.
      return gone?.reportedState !== 'serving' || Date.now() - gone.lastHeartbeatMs > 3000;
    });
  });

  it('rotates with `ferry keys generate --add`: both keys serve, then control signs with the new one', async () => {
    const before = await steer();
    const oldUrls = before.body.streams[0]!.urls.map((u) => u.url);
    expect(oldUrls.map(keyIdOf)).toEqual(['k1', 'k1']);

    const gen = await ferry(
      ['keys', 'generate', '--out', keyFile, '--key-id', 'k2', '--add'],
      undefined,
      started,
    );
    expect(await gen.exited).toBe(0);
    // Whatever the moment, every URL control hands out is served where it points.
    let newUrls: string[] = [];
    await until('control signs with k2', async () => {
      const r = await steer();
      expect(r.status).toBe(200);
      for (const u of r.body.streams[0]!.urls) expect((await fetchUrl(u.url)).status, u.url).toBe(206);
      newUrls = r.body.streams[0]!.urls.map((u) => u.url);
      return newUrls.every((u) => keyIdOf(u) === 'k2');
    });
    // It switched only once both appliances reported the new key.
    const want = heldKeys(await loadKeyRing(keyFile));
    expect(want.map((k) => k.id)).toEqual(['k2', 'k1']);
    for (const a of (await view()).filter((x) => x.id !== 'a3')) expect(a.keys).toEqual(want);
    // The overlap: URLs of the old key still serve beside the new ones.
    for (const u of [...oldUrls, ...newUrls]) expect((await fetchUrl(u)).status, u).toBe(206);
    const metrics = (await call(`${control.url}/metrics`)).raw.toString();
    expect(metrics).toMatch(/ferry_control_signing_key\{key="k2",agreed="true"\} 1/);
    expect(metrics).toMatch(/ferry_control_token_key_reloads_total\{result="changed"\} [1-9]/);

    // The old key leaves the file (an atomic rename, as `generate` writes it).
    const ring = await loadKeyRing(keyFile);
    const tmp = `${keyFile}.tmp`;
    writeFileSync(tmp, formatKeyFile([ring.keys.get('k2')!]), { mode: 0o600 });
    renameSync(tmp, keyFile);
    await until('both appliances hold k2 only', async () =>
      (await view()).filter((x) => x.id !== 'a3').every((a) => a.keys.map((k) => k.id).join() === 'k2'),
    );
    for (const u of oldUrls) {
      const r = await fetchUrl(u);
      expect(r.status).toBe(403);
      expect((r.body as { error: string }).error).toBe('FERRY_ERR_TOKEN_UNKNOWN_KEY');
    }
    const after = await steer();
    for (const u of after.body.streams[0]!.urls) {
      expect(keyIdOf(u.url)).toBe('k2');
      expect((await fetchUrl(u.url)).status).toBe(206);
    }
  });

  it('reloads on kill -HUP (by pid), and neither the appliance nor control drains or stops', async () => {
    const a1 = appliances.get('a1')!;
    a1.child.kill('SIGHUP');
    control.child.kill('SIGHUP');
    await until('a1 reloaded on SIGHUP', async () => {
      const s = (await call(`${admin.get('a1')}/v1/status`)).body as {
        keyFile?: { lastReload?: { why: string } | null };
      };
      return s.keyFile?.lastReload?.why === 'SIGHUP';
    });
    await until('control reloaded on SIGHUP', async () =>
      /token keys reloaded.*SIGHUP|SIGHUP.*token keys reloaded/.test(control.stderr()),
    );
    // Give a wrongly fatal signal time to show, then check both still serve.
    await new Promise((r) => setTimeout(r, 500));
    expect(isRunning(a1)).toBe(true);
    expect(isRunning(control)).toBe(true);
    const status = (await call(`${admin.get('a1')}/v1/status`)).body as { state: string };
    expect(status.state).toBe('serving');
    expect((await view()).find((a) => a.id === 'a1')?.reportedState).toBe('serving');
    const r = await steer();
    expect(r.status).toBe(200);
    for (const u of r.body.streams[0]!.urls) expect((await fetchUrl(u.url)).status).toBe(206);
    const metrics = (await call(`${admin.get('a1')}/metrics`)).raw.toString();
    expect(metrics).toMatch(/ferry_token_key_reloads_total\{result="unchanged"\} [1-9]/);
  });
});
