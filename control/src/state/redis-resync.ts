// Pub/sub is fire-and-forget: while the subscriber connection is down, other instances'
// changes are simply not delivered. After a reconnect the store therefore announces every
// appliance, route set, inventory, experiment, admin state and the catalog as changed, so listeners reload from Redis
// instead of keeping a model that silently missed updates. Missed events are not replayed;
// they stay readable through listEvents.
import type { Redis } from 'ioredis';
import type { StateChange } from './store.js';

/** Escapes glob characters, so a key prefix such as `ferry[1]:` matches only itself. */
function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

async function idsOf(client: Redis, prefix: string, kind: 'routes' | 'inventory'): Promise<string[]> {
  const head = `${prefix}${kind}:`;
  const tail = ':meta';
  const ids: string[] = [];
  const stream = client.scanStream({ match: `${globEscape(head)}*${tail}`, count: 1000 });
  for await (const keys of stream as AsyncIterable<string[]>) {
    for (const k of keys) ids.push(k.slice(head.length, -tail.length));
  }
  return ids.sort();
}

/** Every change a listener needs to rebuild its model from what Redis holds now. */
export async function changesForResync(client: Redis, prefix: string): Promise<StateChange[]> {
  const [identities, appliances, routes, inventory, catalog, experiments, admin] = await Promise.all([
    client.hkeys(`${prefix}identities`),
    client.hkeys(`${prefix}appliances`),
    idsOf(client, prefix, 'routes'),
    idsOf(client, prefix, 'inventory'),
    client.exists(`${prefix}catalog`),
    client.hkeys(`${prefix}experiments`),
    client.hkeys(`${prefix}admin`),
  ]);
  const changes: StateChange[] = [];
  for (const id of identities.sort()) changes.push({ kind: 'identity', id });
  for (const id of appliances.sort()) changes.push({ kind: 'appliance', id });
  for (const id of routes) changes.push({ kind: 'routes', id });
  for (const id of inventory) changes.push({ kind: 'inventory', id });
  if (catalog) changes.push({ kind: 'catalog' });
  for (const id of experiments.sort()) changes.push({ kind: 'experiment', id });
  for (const id of admin.sort()) changes.push({ kind: 'admin', id });
  return changes;
}
