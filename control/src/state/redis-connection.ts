// Opening and closing the store's Redis connections, kept apart from the data layout.
import { Redis } from 'ioredis';
import type { StoreLogger } from './change-feed.js';

/** How long close() lets queued commands finish before dropping the connection. */
export const QUIT_TIMEOUT_MS = 2000;

/**
 * No command waits for ever: a hung Redis (SIGSTOP, a full disk, a partition that drops
 * packets) would otherwise leave every caller waiting on its reply. Generous enough for a
 * full BGP table written in one MULTI; the heartbeat path has its own, shorter deadline
 * (resilient-store.ts).
 */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;

/**
 * A connection that connects on `connect()`, so open can await it and fail with a clear error.
 * `name` is set with CLIENT SETNAME, so `CLIENT LIST` shows which control instance is which.
 */
export function createRedis(
  url: string,
  name: string,
  logger?: StoreLogger,
  commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
): Redis {
  const r = new Redis(url, {
    lazyConnect: true,
    connectionName: name,
    commandTimeout: commandTimeoutMs,
    // A command queued while the connection is down fails after one reconnect attempt
    // instead of twenty: the write-behind layer holds the change, a queue here only delays.
    maxRetriesPerRequest: 1,
  });
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

type ExecResult = [Error | null, unknown][] | null;

/** The replies of a MULTI, throwing the first command error instead of returning it. */
export function execValues(res: ExecResult): unknown[] {
  if (!res) throw new Error('redis transaction aborted');
  return res.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** The URL for messages, without its password. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable Redis URL)';
  }
}

/** The store's two connections, both ready; on failure neither is left retrying. */
export async function connectPair(
  url: string,
  instanceId: string,
  logger?: StoreLogger,
  commandTimeoutMs?: number,
): Promise<{ client: Redis; sub: Redis }> {
  const client = createRedis(url, `ferry-control-cmd-${instanceId}`, logger, commandTimeoutMs);
  const sub = createRedis(url, `ferry-control-sub-${instanceId}`, logger, commandTimeoutMs);
  // ioredis rejects connect() with a bare "Connection is closed."; the socket error says why.
  let lastError: Error | undefined;
  const capture = (err: Error) => {
    lastError = err;
  };
  client.on('error', capture);
  sub.on('error', capture);
  try {
    await client.connect();
    await sub.connect();
    return { client, sub };
  } catch (err) {
    client.disconnect();
    sub.disconnect();
    const why = (lastError ?? (err as Error)).message;
    throw new Error(`cannot open Redis state at ${displayUrl(url)}: ${why}`, { cause: err });
  } finally {
    client.off('error', capture);
    sub.off('error', capture);
  }
}
