// The bodies and records the control tests post or store, kept in one place so each test
// states only what it varies: a one-title catalog, a heartbeat, an appliance record.
import type { ApplianceRecord } from '../../src/state/store.js';

/** Title `t1` with one 4 s video stream `t1-v` of 10 bytes; `seed` names the test. */
export function oneStreamCatalog(seed: string, opts: { generatedAt?: string; shaChar?: string } = {}) {
  return {
    version: 1,
    generatedAt: opts.generatedAt ?? '2026-12-01T00:00:00Z',
    seed,
    titles: [
      {
        id: 't1',
        name: 'One',
        durationSec: 4,
        streams: [
          {
            streamId: 't1-v',
            kind: 'video',
            bitrate: 1000,
            size: 10,
            sha256: (opts.shaChar ?? 'd').repeat(64),
            segmentDurationSec: 4,
            segments: [{ index: 0, start: 0, length: 10, durationSec: 4 }],
          },
        ],
      },
    ],
  };
}

/** A heartbeat of a serving, idle appliance of site-a on its first beat of one boot. */
export function heartbeatBody(over: Record<string, unknown> = {}) {
  return {
    url: 'http://127.0.0.1:9',
    site: 'site-a',
    version: '0.1.0',
    state: 'serving',
    boot: 'AAAAAAAAAAAAAAAA',
    seq: 1,
    load: { bitsPerSecond: 0, connections: 0 },
    capacity: { bitsPerSecond: 1e9 },
    disks: [],
    ...over,
  };
}

/** A healthy appliance's record as a store holds it. */
export function applianceRecord(
  id: string,
  lastHeartbeatMs: number,
  url = 'http://127.0.0.1:1',
): ApplianceRecord {
  return {
    id,
    site: 's',
    url,
    version: '0.1.0',
    reportedState: 'serving',
    health: 'healthy',
    healthReason: '',
    capacityBps: 1,
    loadBps: 0,
    connections: 0,
    lastHeartbeatMs,
    registeredMs: 1,
  };
}
