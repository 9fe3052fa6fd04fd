// The fleet view's actionable items: each names the appliance or site, what is wrong and a
// fix; errors come before warnings.
import type { ApplianceView, FillView } from '@ferry/protocol';
import { describe, expect, it } from 'vitest';
import { actionItems } from '../src/ui/action-items.js';
import { groupOf } from '../src/ui/fleet-snapshot.js';

function view(id: string, over: Partial<ApplianceView> = {}): ApplianceView {
  return {
    id,
    site: 'east',
    url: `http://${id}:8080`,
    version: '0.1.0',
    reportedState: 'serving',
    health: 'healthy',
    healthReason: '',
    capacityBps: 1e10,
    loadBps: 0,
    connections: 0,
    lastHeartbeatMs: 1,
    registeredMs: 1,
    routes: 1,
    routesEpoch: null,
    routesVersion: null,
    files: 0,
    inventoryVersion: null,
    keys: [],
    enrollment: 'enrolled',
    admin: { drain: null, maintenance: null, draining: false },
    ...over,
  };
}

const fill = (over: Partial<FillView>): FillView => ({
  applianceId: 'oca-3',
  manifestVersion: 1,
  wanted: 10,
  held: 4,
  filling: 1,
  failed: 0,
  bytesToGo: 40e9,
  bytesPerSec: 100e6,
  etaSec: 400,
  window: 'open',
  errors: [],
  ...over,
});

describe('actionItems', () => {
  it('names a key mismatch, a failed turn-up, a fill behind, an inconsistent site and an unhealthy appliance', () => {
    const items = actionItems({
      appliances: [
        view('oca-1', { health: 'unhealthy', healthReason: '2 consecutive failed probes' }),
        view('oca-2'),
        view('oca-3'),
        view('oca-4', {
          turnup: {
            passed: false,
            checkedMs: 1,
            checks: [{ name: 'bgp', ok: false, detail: 'no session with 192.0.2.1' }],
          },
        }),
      ],
      keyProblems: new Map([['oca-2', "holds no key that verifies control's URLs"]]),
      consistency: [
        {
          site: 'west',
          appliances: ['w1', 'w2'],
          prefixes: 5,
          consistent: false,
          differences: ['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16'].map((prefix) => ({
            prefix,
            heardBy: ['w1'],
            missingFrom: ['w2'],
          })),
          truncated: false,
        },
      ],
      fill: new Map([['oca-3', fill({})]]),
    });
    expect(items.map((i) => [i.severity, i.kind, i.applianceId ?? i.site])).toEqual([
      ['error', 'health', 'oca-1'],
      ['error', 'key', 'oca-2'],
      ['warning', 'fill', 'oca-3'],
      ['warning', 'turnup', 'oca-4'],
      ['warning', 'routes', 'west'],
    ]);
    const text = items.map((i) => i.text);
    expect(text[1]).toMatch(/^oca-2 holds no key that signs URLs/);
    expect(items[1]!.fix).toContain('copy /etc/ferry/keys from control to oca-2');
    expect(text[2]).toBe('oca-3 fill behind by 40.0 GB (4 of 10 files, about 7 min to go)');
    expect(text[3]).toContain('bgp (no session with 192.0.2.1)');
    expect(text[4]).toMatch(/^site west inconsistent: 3 prefixes/);
  });

  it('puts each appliance in one group for the counts, the most urgent first', () => {
    expect(groupOf(view('a'))).toBe('healthy');
    expect(groupOf(view('a', { health: 'unknown' }))).toBe('unhealthy');
    expect(groupOf(view('a', { admin: { drain: null, maintenance: null, draining: true } }))).toBe(
      'draining',
    );
    expect(groupOf(view('a', { reportedState: 'drained', health: 'drained' }))).toBe('draining');
    expect(groupOf(view('a', { turnup: { passed: false, checkedMs: 1, checks: [] } }))).toBe('turning-up');
  });
});
