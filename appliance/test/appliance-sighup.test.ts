// kill -HUP of a running `ferry appliance --config FILE` (one process, and a primary with two
// workers): the config file is read again (log level, access log, capacity and drain timeout
// applied in every process; a setting that cannot change live is logged as needing a
// restart), the store index is rescanned (files added and removed beside it), and the access
// log is reopened after logrotate's rename. A download in flight across the signal completes.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentStore } from '../src/store/store.js';
import { testBytes } from './support/appliance-fixture.js';
import { CLI } from './support/appliance-process.js';
import { get, json } from './support/http-client.js';

const BIG = 64 * 1024 * 1024;

interface Status {
  worker?: { index: number };
  settings: { logLevel: string; accessLog: string; capacityBps: number; drainTimeoutSec: number };
  lastReload: { why: string } | null;
}

function writeConfig(path: string, settings: Record<string, unknown>): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(settings));
  renameSync(`${path}.tmp`, path);
}

/** A download that reads its first bytes, then holds the connection open until resumed. */
function heldDownload(url: string): Promise<{ res: IncomingMessage; finish: () => Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    httpGet(url, (res) => {
      const chunks: Buffer[] = [];
      const done = new Promise<Buffer>((ok, fail) => {
        res.on('end', () => ok(Buffer.concat(chunks)));
        res.on('error', fail);
        res.socket.on('close', () => fail(new Error('connection closed before the end')));
      });
      done.catch(() => {});
      res.once('data', (c: Buffer) => {
        chunks.push(c);
        res.pause();
        res.on('data', (more: Buffer) => chunks.push(more));
        resolve({
          res,
          finish: () => {
            res.resume();
            return done;
          },
        });
      });
    }).on('error', reject);
  });
}

for (const workers of [1, 2]) {
  describe(`SIGHUP of ferry appliance --config (--workers ${workers})`, () => {
    let dir: string;
    let config: string;
    let storeDir: string;
    let accessLog: string;
    let child: ChildProcess;
    let stderr = '';
    let url = '';
    let adminUrl = '';
    const base: Record<string, unknown> = {};
    const bigBytes = testBytes(BIG, 'big');

    /** /v1/status of every process that serves (new connections until each has answered). */
    const statuses = async () => {
      const seen = new Map<number, Status>();
      for (let i = 0; i < 20 && seen.size < workers; i++) {
        const s = json(await get(`${adminUrl}/v1/status`)) as unknown as Status;
        seen.set(s.worker?.index ?? 0, s);
      }
      return [...seen.values()];
    };
    /** Statuses of six new connections, which reach every worker. */
    const codes = async (id: string) => {
      const out: number[] = [];
      for (let i = 0; i < 6; i++) out.push((await get(`${url}/v1/c/${id}`, { Range: 'bytes=0-9' })).status);
      return out;
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ferry-sighup-'));
      config = join(dir, 'appliance.json');
      storeDir = join(dir, 'store');
      accessLog = join(dir, 'access.log');
      const s = ContentStore.open([storeDir]);
      writeFileSync(join(dir, 'big'), bigBytes);
      writeFileSync(join(dir, 'old'), testBytes(10_000, 'old'));
      await s.add(join(dir, 'big'), 'big');
      await s.add(join(dir, 'old'), 'old');
      s.close();
      Object.assign(base, {
        id: `hup-${workers}`,
        listen: '127.0.0.1:0',
        store: [storeDir],
        open: true,
        'access-log': accessLog,
        'log-level': 'info',
        workers,
      });
      writeConfig(config, base);
      child = spawn(process.execPath, [CLI, 'appliance', '--config', config], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr!.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      await waitUntil(async () => /serving on/.test(stderr) && /admin on/.test(stderr), {
        what: `appliance ready: ${stderr}`,
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      url = /serving on (http:\/\/\S+)/.exec(stderr)![1]!;
      adminUrl = /admin on (http:\/\/\S+)/.exec(stderr)![1]!;
    }, 60_000);

    afterAll(() => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    it('reloads settings, content and the access log, and keeps the download in flight', async () => {
      const held = await heldDownload(`${url}/v1/c/big`);
      expect(held.res.statusCode).toBe(200);
      expect((await codes('old')).every((c) => c === 206)).toBe(true);
      await waitUntil(
        async () => existsSync(accessLog) && readFileSync(accessLog, 'utf8').includes('"fileId":"old"'),
        {
          what: 'access lines in the first file',
          timeoutMs: 10_000,
          intervalMs: 100,
        },
      );
      for (const s of await statuses()) {
        expect(s.settings).toEqual({ logLevel: 'info', accessLog, capacityBps: 10e9, drainTimeoutSec: 30 });
      }

      // logrotate's rename; new content beside the running appliance; a new config file.
      renameSync(accessLog, `${accessLog}.1`);
      const s = ContentStore.open([storeDir], { checkIntervalMs: 0, flushIntervalMs: 0 });
      writeFileSync(join(dir, 'new'), testBytes(20_000, 'new'));
      await s.add(join(dir, 'new'), 'new');
      await s.remove('old');
      s.close();
      writeConfig(config, {
        ...base,
        'log-level': 'warn',
        capacity: '2500Mb/s',
        'drain-timeout': 45,
        'max-ranges': 4,
      });
      child.kill('SIGHUP');

      await waitUntil(
        async () => {
          const all = await statuses();
          return all.length === workers && all.every((x) => x.lastReload?.why === 'SIGHUP');
        },
        { what: 'every process reloaded', timeoutMs: 15_000, intervalMs: 200 },
      );
      for (const st of await statuses()) {
        expect(st.settings).toEqual({ logLevel: 'warn', accessLog, capacityBps: 2.5e9, drainTimeoutSec: 45 });
      }
      expect((await codes('new')).every((c) => c === 206)).toBe(true);
      expect((await codes('old')).every((c) => c === 404)).toBe(true);
      await waitUntil(async () => /"settings":\["maxRanges"\].*need a restart/.test(stderr), {
        what: `the restart-only setting logged: ${stderr.slice(-2000)}`,
        timeoutMs: 10_000,
        intervalMs: 100,
      });
      // Lines after the signal go to a new file by the old name; the renamed one keeps the old.
      await waitUntil(
        async () => existsSync(accessLog) && readFileSync(accessLog, 'utf8').includes('"fileId":"new"'),
        {
          what: 'access lines in the reopened file',
          timeoutMs: 10_000,
          intervalMs: 100,
        },
      );
      expect(readFileSync(`${accessLog}.1`, 'utf8')).not.toContain('"fileId":"new"');

      const body = await held.finish();
      expect(body.length).toBe(BIG);
      expect(createHash('sha256').update(body).digest('hex')).toBe(
        createHash('sha256').update(bigBytes).digest('hex'),
      );
      expect(child.exitCode).toBeNull();
      expect(child.signalCode).toBeNull();
    }, 90_000);

    it('keeps the running settings when the file no longer parses', async () => {
      writeFileSync(config, '{"id": ');
      child.kill('SIGHUP');
      await waitUntil(async () => /config file not applied/.test(stderr), {
        what: 'the bad file logged',
        timeoutMs: 10_000,
        intervalMs: 100,
      });
      for (const st of await statuses()) expect(st.settings.logLevel).toBe('warn');
      expect((await codes('new')).every((c) => c === 206)).toBe(true);
      expect(child.exitCode).toBeNull();
    }, 30_000);
  });
}
