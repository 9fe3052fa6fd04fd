// Route sets in Redis by generation. A snapshot's members go into a new set key in chunks of
// 10k, one command per turn of the event loop, while readers keep the current set; a Lua
// script then points the meta hash at the new generation (and announces the change), and the
// old set is UNLINKed, which frees it in a background thread instead of blocking Redis.
//
//   routes:{id}:meta      hash epoch, version, set (generation; absent for the set written
//                         before generations existed, which lives at routes:{id}:set)
//   routes:{id}:set:{g}   set of prefixes of generation g
//   routes:{id}:gen       counter of generations
import type { Redis } from 'ioredis';
import { chunksOf, STORE_SLICE } from '../slices.js';
import { execValues } from './redis-connection.js';
import type { RouteSet, RouteSetInput } from './store.js';

/** A read that races a flip retries; a flip takes one round trip, so a few tries suffice. */
const READ_TRIES = 5;

export interface RoutesDelta {
  epoch: string;
  since: number;
  version: number;
  announced: string[];
  withdrawn: string[];
}

export class RedisRouteSets {
  constructor(
    private readonly client: Redis,
    /** key prefix, e.g. `ferry:` */
    private readonly p: string,
    private readonly channel: string,
  ) {}

  private meta(id: string): string {
    return `${this.p}routes:${id}:meta`;
  }

  private members(id: string, gen: string | null): string {
    return gen ? `${this.p}routes:${id}:set:${gen}` : `${this.p}routes:${id}:set`;
  }

  /** Writes a new generation, flips the meta hash to it, unlinks the old one. */
  async put(id: string, routes: RouteSetInput, message: string): Promise<void> {
    const gen = String(await this.client.incr(`${this.p}routes:${id}:gen`));
    const key = this.members(id, gen);
    let old: string | null;
    try {
      for (const chunk of chunksOf(routes.prefixes, STORE_SLICE)) await this.client.sadd(key, chunk);
      old = await this.client.ferryRoutesFlip(
        this.meta(id),
        this.channel,
        routes.epoch,
        String(routes.version),
        gen,
        message,
      );
    } catch (err) {
      await this.client.unlink(key).catch(() => {});
      throw err;
    }
    if (old !== null) await this.client.unlink(this.members(id, old));
  }

  async applyDelta(id: string, delta: RoutesDelta, message: string): Promise<boolean> {
    const gen = await this.client.hget(this.meta(id), 'set');
    const applied = await this.client.ferryRoutesDelta(
      this.meta(id),
      this.members(id, gen),
      this.channel,
      delta.epoch,
      String(delta.since),
      gen ?? '',
      String(delta.version),
      message,
      String(delta.withdrawn.length),
      // Arrays, not spreads: ioredis flattens them, and a spread of a million would overflow the stack.
      delta.withdrawn,
      delta.announced,
    );
    return applied === 1;
  }

  async get(id: string): Promise<RouteSet | undefined> {
    for (let i = 0; i < READ_TRIES; i++) {
      const gen = await this.client.hget(this.meta(id), 'set');
      const [meta, members] = execValues(
        await this.client
          .multi()
          .hmget(this.meta(id), 'epoch', 'version', 'set')
          .smembers(this.members(id, gen))
          .exec(),
      ) as [(string | null)[], string[]];
      const [epoch, version, now] = meta;
      if (epoch == null || version == null) return undefined;
      // The generation moved between the two reads: these members may be the unlinked set.
      if ((now ?? null) !== gen) continue;
      return { epoch, version: Number(version), prefixes: members };
    }
    throw new Error(`routes of ${id} kept changing while being read (${READ_TRIES} tries)`);
  }
}
