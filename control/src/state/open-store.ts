// Chooses the state backend from control's flags: `--redis URL` when several control
// instances share state, otherwise one SQLite file (`--db FILE`, default beside the process).
import type { StoreLogger } from './change-feed.js';
import { openRedisStore } from './redis-store.js';
import { openSqliteStore } from './sqlite-store.js';
import type { StateStore } from './store.js';

export const DEFAULT_DB_PATH = './ferry-control.db';

export interface OpenStoreOptions {
  /** SQLite file path (default `./ferry-control.db`); ignored when `redis` is given */
  db?: string;
  /** e.g. `redis://127.0.0.1:6379/0` */
  redis?: string;
  /** key and channel prefix in Redis (default `ferry:`) */
  redisKeyPrefix?: string;
  /** events kept by either backend (default 1,000,000) */
  eventRetention?: number;
  logger?: StoreLogger;
}

export async function openStore(options: OpenStoreOptions = {}): Promise<StateStore> {
  if (options.redis) {
    return openRedisStore(options.redis, {
      keyPrefix: options.redisKeyPrefix,
      eventRetention: options.eventRetention,
      logger: options.logger,
    });
  }
  return openSqliteStore(options.db ?? DEFAULT_DB_PATH, {
    eventRetention: options.eventRetention,
    logger: options.logger,
  });
}
