// The whole path with real processes: `ferry control` on SQLite, two `ferry appliance`
// processes in two sites, each fed a different client prefix over BGP by its own
// `ferry announce`. Steering from an address in each prefix puts that network's appliance
// first and its signed URL serves; kill -9 of an appliance takes it out of steering within
// 3 s; kill -9 of control and a restart on the same file keep registry and catalog.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentStore, createIdentityKey, generateContent } from '@ferry/appliance';
import { freePort, waitTurnedUp, waitUntil } from '@ferry/harness';
import { ControlClient, formatKeyFile, generateKey, type SteerResponse } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type FerryProc, ferry, ferryControl, killAll, SERVING } from './support/ferry-cli.js';
import { type TestTokens, writeTestTokens } from './support/fleet-auth.js';

const NETS = {
  a1: {
    prefix: '127.101.0.0/16',
    client: '127.101.0.7',
    bgp: '127.0.0.101',
    peer: '127.0.1.101',
    site: 'site-a',
  },
  a2: {
    prefix: '127.102.0.0/16',
    client: '127.102.0.7',
    bgp: '127.0.0.102',
    peer: '127.0.1.102',
    site: 'site-b',
  },
} as const;
type Name = keyof typeof NETS;

const procs: FerryProc[] = [];

/** Waits for `check` (polled every 50 ms, failures count as not yet); ms it took. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<number> {
  const started = Date.now();
  await waitUntil(check, { what, timeoutMs, intervalMs: 50 });
  return Date.now() - started;
}

describe('control, two appliances and two BGP feeds as real processes', () => {
  let dir: string;
  let control: FerryProc;
  const appliances = {} as Record<Name, FerryProc>;
  let titleId: string;
  let tokens: TestTokens;
  const admin = () => ({ authorization: `Bearer ${tokens.admin}` });
  let firstStream: { streamId: string; start: number; length: number };

  const steer = (from: string) =>
    call(`${control.url}/v1/steer`, { method: 'POST', body: { titleId }, from }) as Promise<{
      status: number;
      body: SteerResponse;
    }>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-fleet-'));
    const keys = join(dir, 'keys');
    writeFileSync(keys, formatKeyFile([generateKey('k1')]), { mode: 0o600 });
    tokens = await writeTestTokens(dir);
    const { catalog, catalogPath } = generateContent({
      out: join(dir, 'content'),
      titles: 1,
      minutes: 0.2,
      seed: 'fleet',
    });
    titleId = catalog.titles[0]!.id;
    const s0 = catalog.titles[0]!.streams[0]!;
    firstStream = { streamId: s0.streamId, start: s0.segments[1]!.start, length: s0.segments[1]!.length };

    control = await ferryControl(
      [
        '--db',
        join(dir, 'control.db'),
        '--token-key-file',
        keys,
        '--operator-tokens',
        tokens.file,
        '--log-level',
        'warn',
      ],
      procs,
    );
    const posted = await call(`${control.url}/v1/catalog`, {
      method: 'POST',
      body: JSON.parse(readFileSync(catalogPath, 'utf8')),
      headers: admin(),
    });
    expect(posted.status).toBe(200);

    for (const name of Object.keys(NETS) as Name[]) {
      const net = NETS[name];
      const store = join(dir, `store-${name}`);
      const s = ContentStore.open([store]);
      for (const stream of catalog.titles[0]!.streams)
        await s.add(join(dir, 'content', stream.streamId), stream.streamId);
      s.close();
      // Its own key, enrolled for its site and the address its url names.
      const identityKey = join(dir, `identity-${name}`);
      const publicKey = await createIdentityKey(identityKey);
      await new ControlClient({ baseUrl: control.url!, token: tokens.admin }).enrollAppliance({
        id: name,
        site: net.site,
        publicKey,
        urlHosts: [net.bgp],
      });
      const bgpPort = await freePort(net.bgp);
      appliances[name] = await ferry(
        [
          'appliance',
          '--id',
          name,
          '--site',
          net.site,
          '--listen',
          `${net.bgp}:0`,
          '--store',
          store,
          '--control',
          control.url!,
          '--identity-key',
          identityKey,
          '--token-key-file',
          keys,
          '--access-log',
          'off',
          '--log-level',
          'warn',
          '--bgp-listen',
          `${net.bgp}:${bgpPort}`,
          '--asn',
          '65000',
          '--peer-asn',
          '65001',
          '--bgp-peer',
          net.peer,
        ],
        SERVING,
        procs,
      );
      const prefixes = join(dir, `prefixes-${name}`);
      writeFileSync(prefixes, `${net.prefix}\n`);
      // `announce` holds its session until it is killed: started, not waited for.
      void ferry(
        [
          'announce',
          '--connect',
          `${net.bgp}:${bgpPort}`,
          '--local-address',
          net.peer,
          '--asn',
          '65001',
          '--peer-asn',
          '65000',
          '--prefixes',
          prefixes,
          '--log-level',
          'warn',
        ],
        undefined,
        procs,
      );
    }
    // Control steers to an appliance once its turn-up checks pass (BGP up, control heard).
    await waitTurnedUp(new ControlClient({ baseUrl: control.url!, token: tokens.admin }), ['a1', 'a2']);
    // Routes reach control through the appliances' heartbeats; health needs a few probes.
    await until(
      'both networks steerable',
      async () => {
        const [r1, r2] = await Promise.all([steer(NETS.a1.client), steer(NETS.a2.client)]);
        // On its own prefix: before a network's routes arrive the last resort serves it too.
        return r1.body?.clientPrefix === NETS.a1.prefix && r2.body?.clientPrefix === NETS.a2.prefix;
      },
      30_000,
    );
  }, 120_000);

  afterAll(async () => {
    await killAll(procs);
    rmSync(dir, { recursive: true, force: true });
  });

  it('steers each network to the appliance that heard it, and the signed URL serves', async () => {
    for (const name of Object.keys(NETS) as Name[]) {
      const net = NETS[name];
      const r = await steer(net.client);
      expect(r.status).toBe(200);
      expect(r.body.clientPrefix).toBe(net.prefix);
      // The route's attributes came through BGP, the appliance's report and control's ingest:
      // `ferry announce` is eBGP from AS 65001, ORIGIN IGP, no LOCAL_PREF or MED.
      const lookup = await call(`${control.url}/v1/routes/lookup?ip=${net.client}`, { headers: admin() });
      expect((lookup.body as { covering: unknown[] }).covering[0]).toMatchObject({
        prefix: net.prefix,
        applianceIds: [name],
        prefs: [{ localPref: 100, asPathLength: 1, origin: 0, med: 0, neighborAs: 65001 }],
      });
      const stream = r.body.streams.find((s) => s.streamId === firstStream.streamId)!;
      expect(stream.urls[0]).toMatchObject({ rank: 1, applianceId: name, site: net.site });
      const seg = await call(stream.urls[0]!.url, {
        from: net.client,
        headers: { Range: `bytes=${firstStream.start}-${firstStream.start + firstStream.length - 1}` },
      });
      expect(seg.status).toBe(206);
      expect(seg.raw.length).toBe(firstStream.length);
      // The URL is bound to the network it was issued for.
      const other = name === 'a1' ? NETS.a2.client : NETS.a1.client;
      expect((await call(stream.urls[0]!.url, { from: other })).status).toBe(403);
    }
  });

  it('takes a killed appliance out of steering within 3 s', async () => {
    appliances.a1.child.kill('SIGKILL');
    await appliances.a1.exited;
    const tookMs = await until(
      'a1 out of steering',
      async () => {
        const r = await steer(NETS.a1.client);
        return r.status === 503 || !r.body.streams.some((s) => s.urls.some((u) => u.applianceId === 'a1'));
      },
      10_000,
    );
    expect(tookMs).toBeLessThan(3000);
    const r2 = await steer(NETS.a2.client);
    expect(r2.body.streams[0]!.urls[0]!.applianceId).toBe('a2');
  });

  it('keeps registry and catalog across a kill -9 of control and a restart on the same file', async () => {
    const before = (await call(`${control.url}/v1/appliances`, { headers: admin() })).body as
      | { id: string }[]
      | { appliances: { id: string }[] };
    control.child.kill('SIGKILL');
    await control.exited;
    const port = new URL(control.url!).port;
    control = await ferryControl(
      ['--db', join(dir, 'control.db'), '--operator-tokens', tokens.file, '--log-level', 'warn'],
      procs,
      `127.0.0.1:${port}`,
    );
    const after = (await call(`${control.url}/v1/appliances`, { headers: admin() })).body;
    const ids = (v: typeof before) => (Array.isArray(v) ? v : v.appliances).map((a) => a.id).sort();
    expect(ids(after as typeof before)).toEqual(['a1', 'a2']);
    expect(ids(after as typeof before)).toEqual(ids(before));
    const title = await call(`${control.url}/v1/titles/${titleId}`);
    expect(title.status).toBe(200);
  });
});
