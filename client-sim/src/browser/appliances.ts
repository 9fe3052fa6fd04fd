// Which appliance a fragment URL's host:port belongs to, from control's GET /v1/appliances
// (an operator token of role viewer or higher). Without a token the map is empty and the
// QoE falls back to the pathway / service location ids, which Ferry's manifests name by
// appliance id (to-qoe.ts).
import { ControlClient } from '@ferry/protocol';
import type { ApplianceByHost } from './to-qoe.js';

export async function appliancesFromControl(control: string, token: string): Promise<ApplianceByHost> {
  const client = new ControlClient({ baseUrl: control, token });
  const map = new Map<string, string>();
  for (const a of await client.listAppliances()) {
    try {
      map.set(new URL(a.url).host, a.id);
    } catch {
      // an appliance whose URL does not parse cannot be the host of a fragment
    }
  }
  return map;
}
