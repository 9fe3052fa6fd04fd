import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@ferry/harness';
import { generateSigningKeyPair, Heartbeat, loadPrivateKey } from '@ferry/protocol';
import { pino } from 'pino';
import { Value } from 'typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlAgent, type ControlAgentOptions } from '../src/agent/agent.js';
import { HeartbeatBuilder } from '../src/agent/heartbeat.js';
import { InventoryFeed } from '../src/agent/inventory-feed.js';
import { LoadSampler } from '../src/agent/load.js';
import { AFI_IPV4, MessageType, type Prefix } from '../src/bgp/codec/types.js';
import { RouteFeed } from '../src/bgp/report/feed.js';
import { AdjRibIn } from '../src/bgp/rib/rib.js';
import { ContentStore } from '../src/store/store.js';
import { FakeControl } from './agent-fake-control.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function p4(a: number, b: number): Prefix {
  return { afi: AFI_IPV4, length: 16, bytes: Uint8Array.from([a, b]) };
}

async function setup(agentOpts: Partial<ControlAgentOptions> = {}) {
  const control = await new FakeControl().start();
  const identityKey = loadPrivateKey(generateSigningKeyPair().privateKeyPem);
  control.trust('edge-1', createPublicKey(identityKey));
  cleanups.push(() => control.stop());
  const root = mkdtempSync(join(tmpdir(), 'ferry-agent-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const store = ContentStore.open([join(root, 'ssd0')], { checkIntervalMs: 0, flushIntervalMs: 0 });
  cleanups.push(() => store.close());
  const inventory = new InventoryFeed(store);
  const rib = new AdjRibIn();
  const feed = new RouteFeed(rib);
  const logs: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (l: string) => logs.push(JSON.parse(l)) });
  const agent = new ControlAgent({
    controlUrl: control.url,
    applianceId: 'edge-1',
    identityKey,
    intervalMs: 50,
    graceMs: 500,
    backoffMaxMs: 100,
    logger,
    heartbeat: new HeartbeatBuilder({
      url: 'http://127.0.0.11:8080',
      site: 'isp-a',
      version: '0.1.0',
      state: () => 'serving',
      disks: () => store.stats().disks,
      load: new LoadSampler({ bytesSent: () => 0, connections: () => 0 }),
      inventory,
      routes: { feed, rib },
    }),
    ...agentOpts,
  });
  cleanups.push(() => agent.stop());
  const put = async (id: string) => {
    const src = join(root, `src-${id}`);
    writeFileSync(src, `bytes of ${id}`);
    await store.add(src, id);
  };
  const announce = (peer: string, prefixes: Prefix[]) =>
    rib.apply(peer, {
      type: MessageType.UPDATE,
      withdrawn: [],
      announced: prefixes,
      attributes: { origin: 0, asPath: [{ type: 'sequence', asns: [65001] }], nextHop: '192.0.2.1' },
    });
  return { control, agent, store, put, announce, logs };
}

function expectAllValid(control: FakeControl): void {
  for (const r of control.heartbeats) expect(Value.Check(Heartbeat, r.body)).toBe(true);
}

describe('ControlAgent', () => {
  it('sends a full snapshot first, then deltas, at the interval control asks for', async () => {
    const { control, agent, put, announce } = await setup();
    await put('a');
    announce('peer1', [p4(10, 0)]);
    control.intervalMs = 100;
    agent.start();
    await eventually(() => control.heartbeats.length >= 5, {
      what: 'five heartbeats',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    const [first, second] = control.heartbeats;
    expect(first!.id).toBe('edge-1');
    // Signed by its own key (the fake control verifies it), one boot, seq from 0.
    expect(first!.signer).toBe('edge-1');
    expect(control.refused).toEqual([]);
    expect(first!.body.seq).toBe(0);
    expect(first!.body.boot).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(new Set(control.heartbeats.map((h) => h.body.boot)).size).toBe(1);
    expect(first!.body.inventory).toEqual({ kind: 'full', version: 1, files: ['a'] });
    expect(first!.body.routes).toMatchObject({ kind: 'snapshot', version: 1 });
    expect(second!.body.inventory).toMatchObject({ kind: 'delta', since: 1, version: 1 });
    expect(second!.body.routes).toMatchObject({ kind: 'delta', since: 1, version: 1 });
    expect(second!.body.seq).toBe(first!.body.seq + 1);
    // The interval is control's (100 ms), not the agent's own 50 ms: from the second
    // heartbeat on (the first reply sets it), over three intervals to even out latency.
    const h = control.heartbeats;
    expect(h[4]!.at - h[1]!.at).toBeGreaterThanOrEqual(3 * 100 - 30);
    expect(agent.status()).toMatchObject({
      controlUrl: control.url,
      consecutiveFailures: 0,
      lastError: null,
      isolated: false,
      intervalMs: 100,
      health: 'healthy',
    });
    expect(agent.status().lastSuccessMs).toBeGreaterThan(0);
    expectAllValid(control);
  });

  it('reports files added to the store and sends everything again on request', async () => {
    const { control, agent, put } = await setup();
    agent.start();
    await eventually(() => control.heartbeats.length >= 1, {
      what: 'first heartbeat',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    await put('new-file');
    await eventually(
      () =>
        control.heartbeats.some(
          (h) => h.body.inventory?.kind === 'delta' && h.body.inventory.added.includes('new-file'),
        ),
      { what: 'the added file in a delta', timeoutMs: 5000, intervalMs: 10 },
    );
    const before = control.heartbeats.length;
    control.askResync({ inventoryResync: true, routesResync: true });
    await eventually(() => control.heartbeats.length >= before + 3, {
      what: 'heartbeats after the resync request',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    const after = control.heartbeats.slice(before);
    const full = after.findIndex((h) => h.body.inventory?.kind === 'full');
    expect(full).toBeGreaterThanOrEqual(0);
    expect(after[full]!.body.inventory).toMatchObject({ files: ['new-file'] });
    expect(after[full]!.body.routes?.kind).toBe('snapshot');
    expect(after[full + 1]!.body.inventory?.kind).toBe('delta');
    expect(after[full + 1]!.body.routes?.kind).toBe('delta');
    expectAllValid(control);
  });

  it('backs off exponentially while control fails, and resends what it missed', async () => {
    const { control, agent, put } = await setup({ backoffMaxMs: 400, graceMs: 10_000, random: () => 0.5 });
    control.intervalMs = 100;
    agent.start();
    await eventually(() => control.heartbeats.length >= 1, {
      what: 'first heartbeat',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    control.mode = 'fail';
    const from = control.attempts.length;
    await put('during-outage');
    await eventually(() => agent.status().consecutiveFailures >= 5, {
      what: 'five failures',
      timeoutMs: 10_000,
      intervalMs: 10,
    });
    const failedAt = control.attempts.slice(from, from + 5);
    const gaps = failedAt.slice(1).map((t, i) => t - failedAt[i]!);
    // With jitter fixed at one half: 3/4 of min(400, 100 * 2^(n-1)) after the n-th failure.
    const expected = [75, 150, 300, 300];
    for (const [i, g] of gaps.entries()) expect(g).toBeGreaterThanOrEqual(expected[i]! - 2);
    expect(agent.status().lastError).toMatch(/control answered 500/);
    expect(agent.status().isolated).toBe(false);

    control.mode = 'ok';
    await eventually(() => agent.status().consecutiveFailures === 0, {
      what: 'recovery',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    const resent = control.heartbeats.at(-1)!.body.inventory;
    expect(resent).toMatchObject({ kind: 'delta', since: 0, added: ['during-outage'] });
    expectAllValid(control);
  });

  it('is refused by a control that holds another key for it, and counts that as a failure', async () => {
    const other = loadPrivateKey(generateSigningKeyPair().privateKeyPem);
    const { control, agent } = await setup({ identityKey: other });
    agent.start();
    // The fake control counts a refusal when it answers; the agent, when the answer arrives.
    await eventually(() => control.refused.length >= 2 && agent.status().consecutiveFailures >= 2, {
      what: 'two refusals, counted by both ends',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(control.heartbeats).toEqual([]);
    expect(control.refused[0]).toBe('BAD_SIGNATURE');
    expect(agent.status().consecutiveFailures).toBeGreaterThanOrEqual(2);
    expect(agent.status().lastError).toContain('401');
  });

  it('treats a reply that is not a HeartbeatReply as a failure', async () => {
    const { control, agent } = await setup();
    control.intervalMs = 50; // below the schema's minimum of 100
    agent.start();
    await eventually(() => agent.status().consecutiveFailures >= 2, {
      what: 'failures',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(agent.status().lastError).toMatch(/not a HeartbeatReply/);
    expect(agent.status().lastSuccessMs).toBeNull();
    // Nothing was acknowledged, so the full list goes again.
    expect(control.heartbeats[1]!.body.inventory?.kind).toBe('full');
  });

  it('counts itself isolated after the grace period without control, once, and recovers', async () => {
    const { control, agent, logs } = await setup();
    const changes: boolean[] = [];
    agent.onIsolationChange((v) => changes.push(v));
    agent.start();
    await eventually(() => control.heartbeats.length >= 2, {
      what: 'heartbeats',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    control.mode = 'fail';
    const down = performance.now();
    await eventually(() => agent.isolated, { what: 'isolation', timeoutMs: 5000, intervalMs: 10 });
    // Grace runs from the last good reply, which came before `down`.
    expect(performance.now() - down).toBeGreaterThanOrEqual(350);
    expect(changes).toEqual([true]);
    expect(agent.status()).toMatchObject({ isolated: true });
    expect(agent.status().consecutiveFailures).toBeGreaterThan(1);
    // Still trying, and still isolated only once in the log.
    const failures = agent.status().consecutiveFailures;
    await eventually(() => agent.status().consecutiveFailures >= failures + 2, {
      what: 'more attempts',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(logs.filter((l) => l.msg.includes('isolated')).length).toBe(1);

    control.mode = 'ok';
    await eventually(() => !agent.isolated, { what: 'recovery', timeoutMs: 5000, intervalMs: 10 });
    expect(changes).toEqual([true, false]);
    expect(agent.status()).toMatchObject({ isolated: false, consecutiveFailures: 0, lastError: null });
    expect(logs.filter((l) => l.msg.includes('no longer isolated')).length).toBe(1);
  });

  it('times out on a silent control and isolates an appliance that never reached it', async () => {
    const { control, agent } = await setup({ timeoutMs: 100 });
    control.mode = 'silent';
    agent.start();
    await eventually(() => agent.status().consecutiveFailures >= 1, {
      what: 'a timeout',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(agent.status().lastError).toMatch(/did not answer within 100 ms/);
    await eventually(() => agent.isolated, { what: 'isolation', timeoutMs: 5000, intervalMs: 10 });
    expect(agent.status().lastSuccessMs).toBeNull();
    expect(control.heartbeats).toHaveLength(0);
    control.mode = 'ok';
    await eventually(() => !agent.isolated, { what: 'recovery', timeoutMs: 5000, intervalMs: 10 });
    expect(control.heartbeats[0]!.body.inventory?.kind).toBe('full');
    expectAllValid(control);
  });

  it('stops promptly, even with a request in flight', async () => {
    const { control, agent } = await setup({ timeoutMs: 60_000 });
    control.mode = 'silent';
    agent.start();
    await eventually(() => control.attempts.length >= 1, {
      what: 'a request in flight',
      timeoutMs: 5000,
      intervalMs: 10,
    });
    const t0 = performance.now();
    await agent.stop();
    expect(performance.now() - t0).toBeLessThan(1000);
    const n = control.attempts.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(control.attempts.length).toBe(n);
  });
});
