// The readability check before headers, and its short memory of files found good.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCheck } from '../src/http/file-check.js';

describe('FileCheck', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-file-check-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('remembers a good file for the window only, at the size it was found', async () => {
    const path = join(dir, 'good');
    writeFileSync(path, 'x'.repeat(10));
    const check = new FileCheck(1000);
    expect(check.knownGood(path, 10, 0)).toBe(false);
    expect(await check.problem(path, 10, 0)).toBeUndefined();
    expect(check.knownGood(path, 10, 999)).toBe(true);
    expect(check.knownGood(path, 10, 1000)).toBe(false);
    expect(check.knownGood(path, 11, 500)).toBe(false);
    check.forget(path);
    expect(check.knownGood(path, 10, 500)).toBe(false);
  });

  it('says what is wrong and remembers nothing for a bad file', async () => {
    const check = new FileCheck(1000);
    const wrongSize = join(dir, 'short');
    writeFileSync(wrongSize, 'abc');
    expect(await check.problem(wrongSize, 10, 0)).toBe('size 3, indexed as 10');
    expect(check.knownGood(wrongSize, 10, 1)).toBe(false);
    const asDir = join(dir, 'dir');
    mkdirSync(asDir);
    expect(await check.problem(asDir, 0, 0)).toBe('not a regular file');
    expect(await check.problem(join(dir, 'absent'), 1, 0)).toBe('ENOENT');
    const locked = join(dir, 'locked');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0);
    const why = await check.problem(locked, 1, 0);
    // root reads through mode bits; anyone else is refused.
    expect(why).toBe(process.getuid?.() === 0 ? undefined : 'EACCES');
  });
});
