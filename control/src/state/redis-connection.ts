// Opening and closing the store's Redis connections, kept apart from the data layout.
import { Redis } from 'ioredis';
import type { StoreLogger } from './change-feed.js';

/** How long close() lets queued commands finish before dropping the connection. */
export const QUIT_TIMEOUT_MS = 2000;

/**
 * A connection that connects on `connect()`, so open can await it and fail with a clear error.
 * `name` is set with CLIENT SETNAME, so `CLIENT LIST` shows which control instance is which.
 */
export function createRedis(url: string, name: string, logger?: StoreLogger): Redis {
  const r = new Redis(url, { lazyConnect: true, connectionName: name });
  // Without a listener ioredis prints every reconnect attempt as an unhandled error.
  r.on('error', (err: Error) =>
    (logger ?? console).warn({ err, connection: name }, 'redis connection error'),
  );
  return r;
}

/** QUIT lets replies in flight arrive; with Redis unreachable it could wait for ever, hence the bound. */
export async function quitWithin(r: Redis, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    // A QUIT refused because the connection is already gone leaves nothing to close.
    await Promise.race([
      r.quit().then(
        () => undefined,
        () => undefined,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
    r.disconnect();
  }
}
