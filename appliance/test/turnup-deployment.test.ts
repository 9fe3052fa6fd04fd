// Turn-up against a real `ferry control` and a real `ferry announce` feed (harness
// deployment): the deployment's appliance passes every check, control showing its report;
// when its BGP feed dies the bgp check fails, control stops steering to it and says why; an
// appliance whose token key file is not the one control signs with fails `keys` and is
// never steered to.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Deployment, eventually, startDeployment } from '@ferry/harness';
import { formatKeyFile, generateKey, type TurnupReport } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityKey } from '../src/identity/identity-key.js';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { get, json } from './support/http-client.js';

const ID = 'tu-1';
const check = (r: TurnupReport, name: string) => r.checks.find((c) => c.name === name)!;

describe('turn-up with a real control and BGP feed', () => {
  let dir: string;
  let d: Deployment;
  let other: Fixture | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-turnup-'));
    d = await startDeployment({
      dir,
      appliances: [{ id: ID, site: 'isp-t', address: '127.0.0.131', prefix: '127.0.0.0/8' }],
      content: { titles: 1, minutes: 1, seed: 'turnup' },
    });
  }, 120_000);

  afterAll(async () => {
    await other?.stop();
    await d?.topo.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const turnup = async (run = true): Promise<TurnupReport> =>
    json(
      await get(`${d.topo.applianceAdminUrls.get(ID)}/v1/turnup${run ? '?run=1' : ''}`),
    ) as unknown as TurnupReport;

  it('passes every check, and control shows the report', async () => {
    const r = await turnup(false);
    expect(r.passed, JSON.stringify(r.checks)).toBe(true);
    expect(check(r, 'keys').detail).toBe(
      'key demo signs and verifies a token; control signs with demo, held here',
    );
    expect(check(r, 'control').detail).toMatch(/^heartbeat accepted [\d.]+ s ago$/);
    expect(check(r, 'bgp').detail).toBe('1 session(s) Established, 1 route(s)');
    expect(check(r, 'test-range').ok).toBe(true);
    const view = await d.topo.client().getAppliance(ID);
    expect(view.turnup?.passed).toBe(true);
    expect(view.health).toBe('healthy');
  });

  it('fails bgp when the feed goes down, and control stops steering there', async () => {
    d.topo.kill(`bgp-feed-${ID}`);
    await eventually(async () => expect(check(await turnup(), 'bgp').ok).toBe(false), {
      what: 'the bgp check failing',
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    expect(check(await turnup(false), 'bgp').detail).toMatch(
      /^no BGP session Established \(127\.0\.0\.231: \w+\)$/,
    );
    await eventually(
      async () => {
        const view = await d.topo.client().getAppliance(ID);
        expect(view.turnup?.passed).toBe(false);
        expect(view.healthReason).toMatch(/^turning up: bgp: no BGP session Established/);
      },
      { what: 'control showing the appliance as turning up', timeoutMs: 15_000, intervalMs: 200 },
    );
    const steer = await d.topo
      .client()
      .steer(d.catalog.titles[0]!.id)
      .catch((err: { errorCode?: string }) => err.errorCode);
    expect(steer).toBe('FERRY_ERR_NO_APPLIANCE');
  });

  it('fails keys for an appliance that does not hold the key control signs with', async () => {
    const keyFile = join(dir, 'other-keys');
    writeFileSync(keyFile, formatKeyFile([generateKey('other')]), { mode: 0o600 });
    const identityKeyFile = join(dir, 'identity-tu-2');
    const publicKey = await createIdentityKey(identityKeyFile);
    await d.topo.client().enrollAppliance({ id: 'tu-2', site: 'isp-t', publicKey, urlHosts: ['127.0.0.1'] });
    other = await startFixture({
      files: { 'f-a': 20_000 },
      config: {
        id: 'tu-2',
        site: 'isp-t',
        open: false,
        tokenKeyFile: keyFile,
        control: d.topo.controlUrl,
        identityKeyFile,
      },
    });
    const fx = other;
    await eventually(
      async () => {
        const r = json(await get(`${fx.adminUrl}/v1/turnup?run=1`)) as unknown as TurnupReport;
        expect(check(r, 'keys')).toMatchObject({
          ok: false,
          detail: expect.stringMatching(
            /^control signs with demo:\S{8}…, which this appliance does not hold \(has other:\S{8}…\)$/,
          ),
        });
        expect(check(r, 'control').ok).toBe(true);
        expect(check(r, 'test-range').ok).toBe(true);
      },
      { what: 'the keys check failing', timeoutMs: 15_000, intervalMs: 200 },
    );
    await eventually(
      async () => expect((await d.topo.client().getAppliance('tu-2')).turnup?.passed).toBe(false),
      {
        timeoutMs: 10_000,
      },
    );
  });
});
