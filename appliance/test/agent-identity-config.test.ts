// An appliance that reports to control must sign: --control without --identity-key is a
// config error naming the flag, and a key file that is missing or not a key stops the start.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startAppliance } from '../src/app.js';
import { embeddedConfig, validateConfig } from '../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-identity-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--identity-key', () => {
  it('is required with --control', () => {
    const config = embeddedConfig({ stores: [join(dir, 's')], control: 'http://127.0.0.1:9' });
    expect(() => validateConfig(config)).toThrow(/--identity-key FILE is required with --control/);
    expect(() => validateConfig({ ...config, identityKeyFile: join(dir, 'k') })).not.toThrow();
    expect(() => validateConfig(embeddedConfig({ stores: [join(dir, 's')] }))).not.toThrow();
  });

  it('stops the start when the key is missing or is not an Ed25519 key', async () => {
    const bad = join(dir, 'not-a-key');
    writeFileSync(bad, 'hello\n');
    for (const [file, code] of [
      [join(dir, 'missing'), 'FERRY_ERR_IDENTITY_READ'],
      [bad, 'FERRY_ERR_IDENTITY_INVALID'],
    ] as const) {
      const config = embeddedConfig({
        stores: [join(dir, 'store')],
        control: 'http://127.0.0.1:9',
        identityKeyFile: file,
      });
      await expect(startAppliance(config, { logger: pino({ level: 'silent' }) })).rejects.toMatchObject({
        code,
      });
    }
  });
});
