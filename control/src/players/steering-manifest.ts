// Content Steering manifests as JSON text: HLS (Apple's HLS Content Steering specification)
// and DASH (DASH-IF Content Steering) share one shape and differ in the priority key.
export type SteeringProtocol = 'hls' | 'dash';

export interface SteeringManifestInput {
  protocol: SteeringProtocol;
  /** seconds until the player asks again */
  ttlSec: number;
  /** absolute URI of the next request (the player adds its own query parameters) */
  reloadUri: string;
  /** pathway (HLS) or service location (DASH) ids, best first */
  priority: readonly string[];
}

export function steeringManifest(input: SteeringManifestInput): string {
  const key = input.protocol === 'hls' ? 'PATHWAY-PRIORITY' : 'SERVICE-LOCATION-PRIORITY';
  return JSON.stringify({
    VERSION: 1,
    TTL: input.ttlSec,
    'RELOAD-URI': input.reloadUri,
    [key]: input.priority,
    // dash.js (5.2.1) reads the DASH priority only under the HLS name, PATHWAY-PRIORITY: without
    // it dash.js steers by nothing but its own download errors.
    ...(input.protocol === 'dash' ? { 'PATHWAY-PRIORITY': input.priority } : {}),
  });
}
