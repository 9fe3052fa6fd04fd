// Regression: one unreadable file got an empty reply (headers promised a body, then the
// connection closed) while the access log said 206 and nothing else noticed. Now the file
// is opened before the headers: an unreadable file is answered 500 FERRY_ERR_FILE_UNREADABLE,
// logged with that status, counted in ferry_file_read_errors_total, and taken out of the
// inventory (reported in /v1/status); the other files keep being served.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from './support/appliance-fixture.js';
import { get, json } from './support/http-client.js';

/** Makes `path` unreadable: permissions where they bind, else a directory in its place. */
function breakFile(path: string): void {
  if (process.getuid?.() !== 0) {
    chmodSync(path, 0);
    return;
  }
  // root reads through any mode bits; a directory opens but cannot be read as a file.
  rmSync(path);
  mkdirSync(path);
}

describe.each(['sendfile', 'copy'] as const)('unreadable file (%s)', (bodySender) => {
  let fx: Fixture;
  let logDir: string;
  const accessLog = () => join(logDir, 'access.log');
  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'ferry-unreadable-'));
    fx = await startFixture({
      files: { bad: 100_000, good: 1000 },
      config: { bodySender, accessLog: accessLog() },
    });
  });
  afterAll(async () => {
    await fx.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('is answered 500 before any header, logged, counted and taken out of service', async () => {
    breakFile(versionFile(fx.app.config.stores[0]!, 'bad'));
    const r = await get(`${fx.url}/v1/c/bad`, { Range: 'bytes=0-9' });
    expect(r.status).toBe(500);
    expect(json(r).error).toBe('FERRY_ERR_FILE_UNREADABLE');
    // And again: the file is out of service, not retried against the disk.
    expect((await get(`${fx.url}/v1/c/bad`)).status).toBe(500);
    expect((await get(`${fx.url}/v1/c/good`, { Range: 'bytes=0-9' })).status).toBe(206);

    const metrics = (await get(`${fx.adminUrl}/metrics`)).body.toString();
    expect(metrics).toMatch(/^ferry_file_read_errors_total\{disk="[^"]+"\} 1$/m);
    expect(metrics).toMatch(/^ferry_responses_total\{status="500"\} 2$/m);
    const status = json(await get(`${fx.adminUrl}/v1/status`));
    expect((status.unreadableFiles as { id: string }[]).map((f) => f.id)).toEqual(['bad']);
    // The inventory no longer lists it (what the agent reports to control).
    expect(listHeld(fx)).not.toContain('bad');
    let lines: { fileId?: string; status: number }[] = [];
    for (let i = 0; i < 50 && lines.filter((l) => l.fileId === 'bad').length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      lines = readFileSync(accessLog(), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { fileId?: string; status: number });
    }
    expect(lines.filter((l) => l.fileId === 'bad').map((l) => l.status)).toEqual([500, 500]);
  });
});

/** The file holding the bytes of `id` in a one-disk store. */
function versionFile(store: string, id: string): string {
  const dir = join(store, 'files');
  const name = readdirSync(dir).find((n) => n === id || n.startsWith(`${id}+`));
  if (!name) throw new Error(`no file for ${id} in ${dir}`);
  return join(dir, name);
}

function listHeld(fx: Fixture): string[] {
  return fx.app.store
    .list()
    .filter((f) => !f.missing)
    .map((f) => f.id);
}
