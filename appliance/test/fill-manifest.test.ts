// The manifest poller against a small real HTTP server playing control: every request is
// signed like a heartbeat (control verifies it with the enrolled key); a manifest is taken
// once per version; one that is not a FillManifest, or names another appliance, is refused
// and the one held stays; a refused signature shows as the poller's last error.
import { createPublicKey } from 'node:crypto';
import { eventually } from '@ferry/harness';
import { type FillManifest, generateSigningKeyPair, loadPrivateKey } from '@ferry/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManifestPoller } from '../src/agent/manifest-poller.js';
import { FakeControl } from './agent-fake-control.js';
import { manifestOf } from './support/fill-fixture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: { trustOtherKey?: boolean } = {}) {
  const control = await new FakeControl().start();
  cleanups.push(() => control.stop());
  const identityKey = loadPrivateKey(generateSigningKeyPair().privateKeyPem);
  const trusted = opts.trustOtherKey ? loadPrivateKey(generateSigningKeyPair().privateKeyPem) : identityKey;
  control.trust('edge-1', createPublicKey(trusted));
  const got: FillManifest[] = [];
  const poller = new ManifestPoller({
    controlUrl: control.url,
    applianceId: 'edge-1',
    identityKey,
    intervalMs: 100,
    logger: pino({ level: 'silent' }),
    onManifest: (m) => got.push(m),
  });
  cleanups.push(() => poller.stop());
  return { control, poller, got };
}

describe('manifest poller', () => {
  it('asks with a signed GET and takes each version once', async () => {
    const { control, poller, got } = await setup();
    control.manifests.set('edge-1', manifestOf('edge-1', [], { version: 7 }));
    poller.start();
    await eventually(() => control.manifestRequests.length >= 3, { what: 'three polls', timeoutMs: 5000 });
    expect(control.refused).toEqual([]);
    expect(control.manifestRequests.every((r) => r.signer === 'edge-1')).toBe(true);
    expect(got.map((m) => m.version)).toEqual([7]);
    control.manifests.set('edge-1', manifestOf('edge-1', [], { version: 8 }));
    await eventually(() => expect(got.map((m) => m.version)).toEqual([7, 8]), {
      what: 'the new version',
      timeoutMs: 5000,
    });
    expect(poller.status()).toMatchObject({ version: 8, lastError: null, consecutiveFailures: 0 });
  });

  it.each([
    ['names another appliance', manifestOf('edge-2', [], { version: 9 }), /manifest of edge-2/],
    [
      'is not a FillManifest',
      { ...manifestOf('edge-1', [], { version: 9 }), files: [{ fileId: 'f' }] },
      /not a FillManifest/,
    ],
  ])('refuses a manifest that %s and keeps the one held', async (_what, bad, error) => {
    const { control, poller, got } = await setup();
    control.manifests.set('edge-1', manifestOf('edge-1', [], { version: 3 }));
    poller.start();
    await eventually(() => got.length === 1, { what: 'the first manifest', timeoutMs: 5000 });
    control.manifests.set('edge-1', bad as FillManifest);
    await eventually(() => expect(poller.status().lastError).toMatch(error), {
      what: 'the refusal',
      timeoutMs: 5000,
    });
    expect(poller.status().version).toBe(3);
    expect(got).toHaveLength(1);
  });

  it('reports control refusing its signature', async () => {
    const { control, poller, got } = await setup({ trustOtherKey: true });
    control.manifests.set('edge-1', manifestOf('edge-1', []));
    poller.start();
    await eventually(() => expect(poller.status().lastError).toMatch(/control answered 401/), {
      what: 'the refusal',
      timeoutMs: 5000,
    });
    expect(control.refused.length).toBeGreaterThan(0);
    expect(got).toEqual([]);
  });
});
