import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyFileError, loadKeyRing, parseKeyFile } from '../src/keys.js';
import { runKeysGenerate } from '../src/keys-cli.js';
import { signToken, verifyToken } from '../src/token.js';

const S1 = Buffer.alloc(32, 1).toString('base64url');
const S2 = Buffer.alloc(48, 2).toString('base64url');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KeyFileError);
    return (err as KeyFileError).code;
  }
  return undefined;
}

describe('parseKeyFile', () => {
  it('reads keys in order, skipping comments and blank lines, tolerating CRLF and tabs', () => {
    const text = `# keys\n\n  k2 ${S2}\r\n# old\nk1\t${S1}\n`;
    const keys = parseKeyFile(text);
    expect(keys.map((k) => k.keyId)).toEqual(['k2', 'k1']);
    expect(keys[0]!.secret.length).toBe(48);
  });

  const bad: [string, string, string][] = [
    ['one field', 'k1\n', 'FERRY_ERR_KEYS_BAD_LINE'],
    ['three fields', `k1 ${S1} extra\n`, 'FERRY_ERR_KEYS_BAD_LINE'],
    ['bad id', `k.1 ${S1}\n`, 'FERRY_ERR_KEYS_BAD_ID'],
    ['id too long', `${'a'.repeat(33)} ${S1}\n`, 'FERRY_ERR_KEYS_BAD_ID'],
    ['padded secret', `k1 ${Buffer.alloc(32, 1).toString('base64')}\n`, 'FERRY_ERR_KEYS_BAD_SECRET'],
    ['standard base64 secret', `k1 +${S1.slice(1)}\n`, 'FERRY_ERR_KEYS_BAD_SECRET'],
    ['short secret', `k1 ${Buffer.alloc(31).toString('base64url')}\n`, 'FERRY_ERR_KEYS_SHORT_SECRET'],
    ['duplicate id', `k1 ${S1}\nk1 ${S2}\n`, 'FERRY_ERR_KEYS_DUPLICATE_ID'],
  ];
  for (const [name, text, code] of bad) {
    it(`refuses ${name} with ${code}`, () => expect(codeOf(() => parseKeyFile(text, 'f'))).toBe(code));
  }

  it('names the file and line in the message', () => {
    expect(() => parseKeyFile(`# c\nk1 ${S1}\nk2 nope\n`, '/etc/ferry/keys')).toThrow(
      /\/etc\/ferry\/keys line 3/,
    );
  });
});

describe('key files on disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-keys-'));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('loadKeyRing: first key signs, all verify; clear errors for missing and empty files', async () => {
    const f = join(dir, 'keys');
    await writeFile(f, `k2 ${S2}\nk1 ${S1}\n`);
    const ring = await loadKeyRing(f);
    expect(ring.signing.keyId).toBe('k2');
    expect([...ring.keys.keys()]).toEqual(['k2', 'k1']);
    await expect(loadKeyRing(join(dir, 'none'))).rejects.toMatchObject({ code: 'FERRY_ERR_KEYS_READ' });
    await writeFile(f, '# nothing\n');
    await expect(loadKeyRing(f)).rejects.toMatchObject({ code: 'FERRY_ERR_KEYS_EMPTY' });
  });

  it('generate writes a 0600 file with one key, and refuses to overwrite without --add', async () => {
    const f = join(dir, 'keys');
    await runKeysGenerate({ out: f, keyId: 'a' });
    expect((await stat(f)).mode & 0o777).toBe(0o600);
    const ring = await loadKeyRing(f);
    expect(ring.signing.keyId).toBe('a');
    expect(ring.signing.secret.length).toBeGreaterThanOrEqual(32);
    await expect(runKeysGenerate({ out: f, keyId: 'b' })).rejects.toMatchObject({
      code: 'FERRY_ERR_KEYS_EXISTS',
    });
    expect(await readdir(dir)).toEqual(['keys']);
  });

  it('generate --add rotates: new key first, at most two live, old tokens still verify', async () => {
    const f = join(dir, 'keys');
    await runKeysGenerate({ out: f, keyId: 'a' });
    const first = await loadKeyRing(f);
    const token = signToken({ key: first.signing, fileId: 'x', expiresAt: 2_000_000_000, clientPrefix: '' });

    await runKeysGenerate({ out: f, keyId: 'b', add: true });
    const second = await loadKeyRing(f);
    expect([...second.keys.keys()]).toEqual(['b', 'a']);
    expect(second.keys.get('a')!.secret).toEqual(first.signing.secret);
    const check = { fileId: 'x', clientPrefix: '', nowSec: 1_900_000_000 };
    expect(verifyToken(token, { ...check, keys: second })).toMatchObject({ ok: true, keyId: 'a' });

    await runKeysGenerate({ out: f, keyId: 'c', add: true });
    const third = await loadKeyRing(f);
    expect([...third.keys.keys()]).toEqual(['c', 'b']);
    expect(verifyToken(token, { ...check, keys: third })).toEqual({ ok: false, reason: 'UNKNOWN_KEY' });
    expect((await stat(f)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['keys']);
  });

  it('generate --add refuses a key id already in the file and leaves the file untouched', async () => {
    const f = join(dir, 'keys');
    await runKeysGenerate({ out: f, keyId: 'a' });
    const before = await readFile(f, 'utf8');
    await expect(runKeysGenerate({ out: f, keyId: 'a', add: true })).rejects.toMatchObject({
      code: 'FERRY_ERR_KEYS_DUPLICATE_ID',
    });
    expect(await readFile(f, 'utf8')).toBe(before);
  });

  it('generate --add creates the file when it does not exist; bad ids are refused', async () => {
    const f = join(dir, 'keys');
    await runKeysGenerate({ out: f, keyId: 'k1', add: true });
    expect((await loadKeyRing(f)).signing.keyId).toBe('k1');
    await expect(runKeysGenerate({ out: join(dir, 'k2'), keyId: 'no/slash' })).rejects.toMatchObject({
      code: 'FERRY_ERR_KEYS_BAD_ID',
    });
  });
});
