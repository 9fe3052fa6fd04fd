// Choosing and opening a backend: SQLite by default, Redis when a URL is given; files from a
// newer schema and unreachable Redis servers are refused with an error, not waited on.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServer, startRedisServer } from '@ferry/harness';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/state/open-store.js';
import { openRedisStore } from '../src/state/redis-store.js';
import { SCHEMA_V1 } from '../src/state/sqlite-schema.js';
import { openSqliteStore, SQLITE_SCHEMA_VERSION } from '../src/state/sqlite-store.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-open-store-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openStore', () => {
  it('opens a SQLite file in WAL mode when no Redis URL is given', async () => {
    const path = join(dir, 'control.db');
    const store = await openStore({ db: path });
    expect(store.backend).toBe('sqlite');
    await store.putCatalog({ version: 1, generatedAt: '2026-11-22T00:00:00Z', seed: 's', titles: [] });
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    db.close();
  });

  it('migrates a schema 1 file to route sets by generation, keeping the routes', async () => {
    const path = join(dir, 'v1.db');
    const db = new Database(path);
    db.exec(SCHEMA_V1);
    db.pragma('user_version = 1');
    db.prepare("INSERT INTO route_sets VALUES ('a', 'e', 3)").run();
    db.prepare("INSERT INTO route_prefixes VALUES ('a', '10.0.0.0/8'), ('a', '192.0.2.0/24')").run();
    db.close();
    const store = openSqliteStore(path);
    expect(await store.getRoutes('a')).toEqual({
      epoch: 'e',
      version: 3,
      prefixes: ['10.0.0.0/8', '192.0.2.0/24'],
    });
    expect(
      await store.applyRoutesDelta('a', {
        epoch: 'e',
        since: 3,
        version: 4,
        announced: [],
        withdrawn: ['10.0.0.0/8'],
      }),
    ).toBe(true);
    expect((await store.getRoutes('a'))?.prefixes).toEqual(['192.0.2.0/24']);
    await store.close();
  });

  it('refuses a state file written by a newer schema', () => {
    const path = join(dir, 'future.db');
    const db = new Database(path);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openSqliteStore(path)).toThrow(/newer than this Ferry understands/);
  });

  it('rejects promptly when Redis is not listening', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
      });
    });
    const quiet = { error: () => {}, warn: () => {} };
    const t0 = Date.now();
    await expect(openRedisStore(`redis://127.0.0.1:${port}`, { logger: quiet })).rejects.toThrow(
      /ECONNREFUSED/,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  describe('with a redis-server', () => {
    let server: RedisServer;
    beforeAll(async () => {
      server = await startRedisServer();
    });
    afterAll(() => server?.stop());

    it('opens Redis when a URL is given, even beside a db path', async () => {
      const store = await openStore({
        db: join(dir, 'unused.db'),
        redis: server.url,
        redisKeyPrefix: 'open:',
      });
      expect(store.backend).toBe('redis');
      await store.close();
      await store.close();
    });
  });
});
