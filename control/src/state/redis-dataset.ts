// The data-set marker: one key, set with NX by the first store that opens on a Redis. A
// Redis that loses its data loses the marker with it, so a missing or different marker after
// a reconnect means "this is not the state I wrote to" and the write-behind layer re-seeds
// it from the in-memory model (resilient-store.ts).
import { randomUUID } from 'node:crypto';
import { type Redis, ReplyError } from 'ioredis';
import type { StoreLink } from './store-link.js';

export function redisLink(client: Redis, prefix: string): StoreLink {
  const key = `${prefix}dataset`;
  return {
    async dataset() {
      return (await client.get(key)) ?? undefined;
    },
    async claimDataset(id: string) {
      await client.set(key, id, 'NX');
      return (await client.get(key)) ?? id;
    },
    isOutage(err: unknown) {
      // Redis answered (WRONGTYPE, a script error), or our own code failed on its answer.
      if (err instanceof ReplyError) return false;
      return !(err instanceof TypeError || err instanceof SyntaxError || err instanceof RangeError);
    },
    onReconnect(listener: () => void) {
      // The first 'ready' happened before the store was built; every later one is a reconnect.
      client.on('ready', listener);
      return () => {
        client.off('ready', listener);
      };
    },
  };
}

/** Marks a Redis that has no marker yet (a fresh one, or state from before the marker). */
export function claimFreshDataset(link: StoreLink): Promise<string> {
  return link.claimDataset(randomUUID());
}
