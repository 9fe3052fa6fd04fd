// Counters for the players' endpoints, on control's registry: manifests served by kind, and
// steering reloads by whether the player reported its pathway and throughput.
import { Counter, type Registry } from 'prom-client';

export interface PlayerMetrics {
  manifests: Counter<'kind'>;
  steeringReloads: Counter<'protocol' | 'pathway' | 'throughput'>;
}

export function createPlayerMetrics(registry: Registry): PlayerMetrics {
  return {
    manifests: new Counter({
      name: 'ferry_control_player_manifests_total',
      help: 'HLS playlists, DASH MPDs and steering manifests served to players, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    steeringReloads: new Counter({
      name: 'ferry_control_player_steering_requests_total',
      help: 'steering manifest requests, by protocol and whether the player reported its pathway and throughput',
      labelNames: ['protocol', 'pathway', 'throughput'],
      registers: [registry],
    }),
  };
}
