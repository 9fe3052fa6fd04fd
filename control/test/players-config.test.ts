// --player-steering-ttl: the TTL of the players' steering manifests, default 10 s.
import { describe, expect, it } from 'vitest';
import { configFromFlags } from '../src/config.js';

const listen = { host: '127.0.0.1', port: 0 };

describe('--player-steering-ttl', () => {
  it('defaults to 10 s and takes whole seconds from 1 to a day', () => {
    expect(configFromFlags({ listen }).playerSteeringTtlSec).toBe(10);
    expect(configFromFlags({ listen, playerSteeringTtl: 1 }).playerSteeringTtlSec).toBe(1);
    expect(configFromFlags({ listen, playerSteeringTtl: 86_400 }).playerSteeringTtlSec).toBe(86_400);
  });

  it('refuses 0, fractions and more than a day, naming the flag', () => {
    for (const v of [0, 1.5, 86_401]) {
      expect(() => configFromFlags({ listen, playerSteeringTtl: v })).toThrow(/--player-steering-ttl/);
    }
  });
});
