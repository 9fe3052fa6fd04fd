import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AFI_IPV4, AFI_IPV6, MessageType } from '../src/bgp/codec/types.js';
import { registerBgpMetrics, sessionStateValue } from '../src/bgp/report/metrics.js';
import { AdjRibIn } from '../src/bgp/rib/rib.js';

describe('BGP metrics', () => {
  it('maps session states to 0-5', () => {
    expect(sessionStateValue('Idle')).toBe(0);
    expect(sessionStateValue('OpenConfirm')).toBe(4);
    expect(sessionStateValue('established')).toBe(5);
    expect(sessionStateValue(3)).toBe(3);
  });

  it('exposes stale routes, graceful restart state, End-of-RIB and max-prefix events', async () => {
    const registry = new Registry();
    const rib = new AdjRibIn();
    rib.apply('a', {
      type: MessageType.UPDATE,
      withdrawn: [],
      announced: [{ afi: AFI_IPV4, length: 8, bytes: Uint8Array.from([10]) }],
      attributes: { origin: 0, nextHop: '192.0.2.1' },
    });
    rib.markStale('a', [AFI_IPV4]);
    const sessions = [
      { peerKey: 'a', state: 'Active', gracefulRestart: { state: 'restarting' } },
      { peerKey: 'b', state: 'Established' },
    ];
    const m = registerBgpMetrics(registry, { rib, sessions: () => sessions });
    m.onEndOfRib('b', 1);
    m.onMaxPrefix('b', 'warning', 2);
    const text = await registry.metrics();
    expect(text).toContain('ferry_bgp_stale_routes{peer="a"} 1');
    expect(text).toContain('ferry_bgp_stale_routes{peer="b"} 0');
    expect(text).toContain('ferry_bgp_graceful_restart_state{peer="a"} 1');
    expect(text).toContain('ferry_bgp_graceful_restart_state{peer="b"} 0');
    expect(text).toContain('ferry_bgp_end_of_rib_total{peer="b",afi="1"} 1');
    expect(text).toContain('ferry_bgp_max_prefix_events_total{peer="b",afi="2",event="warning"} 1');
  });

  it('exposes session state, prefixes by family and update counters', async () => {
    const registry = new Registry();
    const rib = new AdjRibIn();
    let sessions = [
      { peerKey: '127.0.0.2:1179', state: 'Established' },
      { peerKey: '127.0.0.3:1179', state: 'Active' },
    ];
    const m = registerBgpMetrics(registry, { rib, sessions: () => sessions });
    const update = {
      type: MessageType.UPDATE,
      withdrawn: [],
      announced: [
        { afi: AFI_IPV4, length: 8, bytes: Uint8Array.from([10]) },
        { afi: AFI_IPV6, length: 32, bytes: Uint8Array.from([0x20, 0x01, 0x0d, 0xb8]) },
      ],
      attributes: { origin: 0 },
    } as const;
    rib.apply('127.0.0.2:1179', { ...update, announced: [...update.announced], withdrawn: [] });
    m.onUpdate('127.0.0.2:1179');
    m.onUpdate('127.0.0.2:1179');
    const text = await registry.metrics();
    expect(text).toContain('ferry_bgp_session_state{peer="127.0.0.2:1179"} 5');
    expect(text).toContain('ferry_bgp_session_state{peer="127.0.0.3:1179"} 2');
    expect(text).toContain('ferry_bgp_prefixes{afi="4"} 1');
    expect(text).toContain('ferry_bgp_prefixes{afi="6"} 1');
    expect(text).toContain('ferry_bgp_attribute_sets 1');
    expect(text).toContain('ferry_bgp_updates_total{peer="127.0.0.2:1179"} 2');
    expect(text).toMatch(/ferry_bgp_updates_per_second 0\.2\b/);
    sessions = [];
    expect(await registry.metrics()).not.toContain('ferry_bgp_session_state{');
  });
});
