// `ferry content add/list/remove` on the real binary, over a store of two directories: the
// list names every file with its title, size, sha256 prefix and time; a remove with one
// unknown id removes nothing and names it (exit 1); a remove takes the row and then the bytes.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFerry as ferry } from './support/run-ferry.js';

interface Listed {
  id: string;
  title: string;
  size: number;
  sha256: string;
  addedMs: number;
  disk: string;
}

describe('ferry content list and remove', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-content-store-'));
  const stores = ['--store', join(dir, 'ssd0'), '--store', join(dir, 'ssd1')];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists what content add placed, as a table and as JSON', async () => {
    const files = ['t1-v3000k', 't1-v800k', 't2-v3000k', 'loose.bin'];
    for (const [i, f] of files.entries()) writeFileSync(join(dir, f), Buffer.alloc(1_500_000 * (i + 1), i));
    const added = await ferry(['content', 'add', ...stores, ...files.map((f) => join(dir, f))]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const before = Date.now();
    const list = await ferry(['content', 'list', ...stores, '--json']);
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.stdout) as Listed[];
    expect(rows.map((r) => r.id)).toEqual(['loose.bin', 't1-v3000k', 't1-v800k', 't2-v3000k']);
    expect(rows.find((r) => r.id === 't1-v800k')).toMatchObject({ title: 't1', size: 3_000_000 });
    expect(rows.find((r) => r.id === 'loose.bin')!.title).toBe('-');
    for (const r of rows) {
      expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(r.addedMs).toBeLessThanOrEqual(before);
      expect(r.addedMs).toBeGreaterThan(before - 120_000);
    }
    const table = await ferry(['content', 'list', ...stores]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^FILE ID\s+TITLE\s+SIZE\s+SHA256\s+ADDED\s+DISK$/);
    const t1 = lines.find((l) => l.startsWith('t1-v800k'))!;
    const sha = rows.find((r) => r.id === 't1-v800k')!.sha256;
    expect(t1).toMatch(
      new RegExp(
        `^t1-v800k\\s+t1\\s+3\\.0 MB\\s+${sha.slice(0, 12)}…\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+\\S+$`,
      ),
    );
    expect(lines.at(-1)).toBe('4 files, 15.0 MB');
  });

  it('removes nothing when one id is unknown, and names it', async () => {
    const r = await ferry(['content', 'remove', ...stores, 't1-v800k', 'no-such-file']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FERRY_ERR_STORE_FILE_UNKNOWN');
    expect(r.stderr).toContain('"no-such-file"');
    const rows = JSON.parse((await ferry(['content', 'list', ...stores, '--json'])).stdout) as Listed[];
    expect(rows).toHaveLength(4);
  });

  it('removes the index rows and the bytes', async () => {
    const r = await ferry(['content', 'remove', ...stores, 't1-v800k', 't2-v3000k']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^removed t1-v800k\t\S+\t3\.0 MB\nremoved t2-v3000k\t\S+\t4\.5 MB\n$/);
    const rows = JSON.parse((await ferry(['content', 'list', ...stores, '--json'])).stdout) as Listed[];
    expect(rows.map((x) => x.id)).toEqual(['loose.bin', 't1-v3000k']);
    const left = ['ssd0', 'ssd1'].flatMap((d) =>
      existsSync(join(dir, d, 'files')) ? readdirSync(join(dir, d, 'files')) : [],
    );
    expect(left.some((n) => n.startsWith('t1-v800k') || n.startsWith('t2-v3000k'))).toBe(false);
    expect(left.filter((n) => n.startsWith('t1-v3000k') || n.startsWith('loose.bin'))).toHaveLength(2);
  });

  it('names a store directory it cannot use', async () => {
    const r = await ferry(['content', 'list', '--store', join(dir, 'absent')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^ferry: FERRY_ERR_STORE_NO_HEALTHY_DISK: no usable store directory \(.*absent.*\)\n$/,
    );
  });
});
