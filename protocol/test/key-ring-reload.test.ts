import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@ferry/harness';
import { afterEach, describe, expect, it } from 'vitest';
import {
  formatKeyFile,
  generateKey,
  type KeyRingReloadEvent,
  keyFingerprint,
  ReloadableKeyRing,
} from '../src/index.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ReloadableKeyRing', () => {
  it('follows an atomic rename of its file, and keeps the old ring when the new file is bad', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-keys-'));
    const path = join(dir, 'keys');
    const k1 = generateKey('k1');
    const k2 = generateKey('k2');
    writeFileSync(path, formatKeyFile([k1]));
    const events: KeyRingReloadEvent[] = [];
    const ring = await ReloadableKeyRing.open(path, (ev) => events.push(ev));
    ring.watch(50);
    try {
      expect(ring.current.signing.keyId).toBe('k1');
      writeFileSync(join(dir, 'keys.tmp'), formatKeyFile([k2, k1]));
      await rename(join(dir, 'keys.tmp'), path);
      await eventually(() => expect(ring.current.signing.keyId).toBe('k2'), { timeoutMs: 3000 });
      expect(events.at(-1)).toMatchObject({ ok: true, changed: true, keyIds: ['k2', 'k1'] });

      writeFileSync(path, 'not a key file\n');
      await eventually(() => expect(events.at(-1)?.ok).toBe(false), { timeoutMs: 3000 });
      expect(ring.current.signing.keyId).toBe('k2');
      expect(events.at(-1)?.error?.message).toMatch(/line 1/);

      const again = await ring.reload();
      expect(again.ok).toBe(false);
    } finally {
      ring.stop();
    }
  });

  it('fingerprints tell two secrets of one id apart and reveal nothing of the secret', () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-keys-'));
    const a = generateKey('k1');
    const b = generateKey('k1');
    expect(keyFingerprint(a)).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(keyFingerprint(a)).toBe(keyFingerprint({ keyId: 'k1', secret: Buffer.from(a.secret) }));
    expect(keyFingerprint(a)).not.toBe(keyFingerprint(b));
  });
});
