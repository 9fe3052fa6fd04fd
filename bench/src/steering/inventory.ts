// Which files each appliance holds: within every site, each file goes to the `copies`
// appliances the rendezvous hash of its id prefers (how fill places content in a site).
// A site as a whole therefore holds every file, while a /24 heard by only some of the
// site's appliances may find none of them holding it: a content miss.
import { rendezvousRank } from '@ferry/protocol';
import type { Layout } from './layout.js';

export const DEFAULT_COPIES = 2;

export function placeFiles(
  layout: Layout,
  fileIds: readonly string[],
  copies = DEFAULT_COPIES,
): Map<string, string[]> {
  const held = new Map<string, string[]>(layout.appliances.map((a) => [a.id, []]));
  for (const site of layout.sites) {
    const ids = site.appliances.map((a) => a.id);
    for (const f of fileIds) {
      for (const id of rendezvousRank(f, ids).slice(0, copies)) held.get(id)!.push(f);
    }
  }
  return held;
}
