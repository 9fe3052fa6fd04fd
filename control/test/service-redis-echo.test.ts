// Regression: a change another control instance makes to a key while this instance is
// writing the same key must reach this instance's model. The old echo filter skipped every
// change to a key during a local write of it, so instance A kept its own catalog while Redis
// (and instance B) held B's. Now the feed skips only changes whose origin is A itself.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type RedisServer, startRedisServer } from '@ferry/harness';
import { type Catalog, ControlClient } from '@ferry/protocol';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, validateConfig } from '../src/config.js';
import { buildControlApp, type ControlApp } from '../src/server/app.js';
import { openStore } from '../src/state/open-store.js';
import type { StateStore } from '../src/state/store.js';
import { writeTestTokens } from './support/fleet-auth.js';

function catalog(seed: string, titleId: string): Catalog {
  return {
    version: 1,
    generatedAt: '2026-11-22T00:00:00Z',
    seed,
    titles: [
      {
        id: titleId,
        name: titleId,
        durationSec: 4,
        streams: [
          {
            streamId: `${titleId}-v`,
            kind: 'video',
            bitrate: 1000,
            size: 10,
            sha256: 'e'.repeat(64),
            segmentDurationSec: 4,
            segments: [{ index: 0, start: 0, length: 10, durationSec: 4 }],
          },
        ],
      },
    ],
  };
}

const configWith = (operatorTokensFile: string) =>
  validateConfig({
    ...DEFAULTS,
    listen: { host: '127.0.0.1', port: 0 },
    fallbackSites: [],
    trustedProxies: [],
    logLevel: 'silent',
    operatorTokensFile,
  });
let tokenDir = '';

let redis: RedisServer | undefined;
const stores: StateStore[] = [];
const apps: ControlApp[] = [];

describe('the change feed of two control instances on one Redis', () => {
  beforeAll(async () => {
    redis = await startRedisServer();
    tokenDir = await mkdtemp(join(tmpdir(), 'ferry-echo-tokens-'));
  });

  afterAll(async () => {
    for (const a of apps) await a.close();
    for (const s of stores) await s.close();
    if (tokenDir) await rm(tokenDir, { recursive: true, force: true });
    await redis?.stop();
  });

  it('does not skip another instance’s change that lands while this instance writes the same key', async () => {
    const storeA = await openStore({ redis: redis!.url });
    const storeB = await openStore({ redis: redis!.url });
    stores.push(storeA, storeB);

    // A's catalog write stays in flight until A's feed has delivered B's write of the same key.
    let aWritten!: () => void;
    const aWrittenP = new Promise<void>((r) => (aWritten = r));
    let heardB!: () => void;
    const heardBP = new Promise<void>((r) => (heardB = r));
    storeA.subscribe((change, origin) => {
      if (change.kind === 'catalog' && origin === storeB.instanceId) heardB();
    });
    const slowA = new Proxy(storeA, {
      get(target, key, receiver) {
        if (key === 'putCatalog') {
          return async (c: Catalog) => {
            await target.putCatalog(c);
            aWritten();
            await Promise.race([heardBP, new Promise((r) => setTimeout(r, 3000))]);
          };
        }
        const v = Reflect.get(target, key, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });

    const logger = pino({ level: 'silent' });
    const tokens = await writeTestTokens(tokenDir);
    const config = configWith(tokens.file);
    const a = await buildControlApp({ config, store: slowA, logger });
    const b = await buildControlApp({ config, store: storeB, logger });
    apps.push(a, b);
    const token = tokens.operator;
    const clientA = new ControlClient({ baseUrl: await a.app.listen({ host: '127.0.0.1', port: 0 }), token });
    const clientB = new ControlClient({ baseUrl: await b.app.listen({ host: '127.0.0.1', port: 0 }), token });

    const postA = clientA.postCatalog(catalog('from-a', 'ta'));
    await aWrittenP;
    await clientB.postCatalog(catalog('from-b', 'tb'));
    await postA;

    expect((await storeA.getCatalog())?.seed).toBe('from-b');
    await eventually(() => expect(a.model.getCatalog()?.seed).toBe('from-b'), {
      what: "instance A's model takes B's catalog",
      timeoutMs: 3000,
    });
    expect((await clientA.getTitle('tb')).id).toBe('tb');
    expect(b.model.getCatalog()?.seed).toBe('from-b');
  });
});
