// Control instances on one redis-server for the store-outage tests: every instance reads one
// operator token file, and appliance a1 (site-a, loopback) is enrolled with one key, since
// enrollments live in Redis like the rest of the state. remove() deletes the token file.

import type { RedisStore } from '../../src/state/redis-store.js';
import { openRedisStore, type RedisStoreOptions } from '../../src/state/redis-store.js';
import { enrollAt, makeIdentity, sharedTokens } from './fleet-auth.js';
import {
  type Answer,
  clientCall,
  type ServedControl,
  serveControl,
  type TestAppOptions,
} from './test-control.js';

export type RedisControl = ServedControl<RedisStore>;

const quiet = { error: () => {}, warn: () => {} };

export class RedisControls {
  private readonly tokens = sharedTokens();
  readonly a1 = makeIdentity('a1');

  async start(
    url: string,
    store: Omit<RedisStoreOptions, 'logger'> = {},
    app: TestAppOptions = {},
  ): Promise<RedisControl> {
    return serveControl(
      await openRedisStore(url, { logger: quiet, ...store }),
      { operatorTokensFile: (await this.tokens.get()).file },
      app,
    );
  }

  /** The shared token file's tokens. */
  tokenSet() {
    return this.tokens.get();
  }

  /** Enrolls a1 at the instance at `base`, as an operator would. */
  async enrollA1(base: string): Promise<void> {
    await enrollAt(base, (await this.tokens.get()).admin, this.a1, 'site-a', ['127.0.0.1']);
  }

  /** A call from client 10.0.1.1 with the admin token. */
  async call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
    return clientCall(base, method, path, body, (await this.tokens.get()).admin);
  }

  remove(): Promise<void> {
    return this.tokens.remove();
  }
}
