// The fill flags: defaults, the origin's two forms, and the refusals, each naming its flag;
// `ferry appliance --fill on` without --control stops at start.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { embeddedConfig, validateConfig } from '../src/config.js';
import { describeOrigin, type FillFlags, fillSettingsFromFlags, parseOrigin } from '../src/fill/settings.js';
import { CLI } from './support/appliance-process.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-fill-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fill flags', () => {
  it('default to off, always open, uncapped, 2 at once, 300 s of grace', () => {
    expect(fillSettingsFromFlags({})).toEqual({
      mode: 'off',
      window: { kind: 'always' },
      concurrency: 2,
      evictGraceSec: 300,
      manifestIntervalMs: 10_000,
      stallTimeoutMs: 30_000,
      retryBaseMs: 5000,
    });
  });

  it.each([
    [
      's3://media',
      { kind: 's3', bucket: 'media', prefix: '', region: 'us-east-1' },
      's3://media (us-east-1)',
    ],
    [
      's3://media/videos/2026/',
      { kind: 's3', bucket: 'media', prefix: 'videos/2026', region: 'us-east-1' },
      's3://media/videos/2026 (us-east-1)',
    ],
    ['dir:/srv/origin', { kind: 'dir', path: '/srv/origin' }, 'dir:/srv/origin'],
  ])('reads --origin %s', (text, want, described) => {
    expect(parseOrigin(text)).toEqual(want);
    expect(describeOrigin(parseOrigin(text))).toBe(described);
  });

  it('takes an S3-compatible endpoint and region, and never shows credentials', () => {
    const s = fillSettingsFromFlags({
      origin: 's3://media/v',
      originEndpoint: 'http://127.0.0.1:4568',
      originRegion: 'eu-west-1',
    });
    expect(s.origin).toEqual({
      kind: 's3',
      bucket: 'media',
      prefix: 'v',
      endpoint: 'http://127.0.0.1:4568',
      region: 'eu-west-1',
    });
    const withKeys = {
      kind: 's3' as const,
      bucket: 'media',
      prefix: 'v',
      endpoint: 'http://127.0.0.1:4568',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SECRET' },
    };
    expect(describeOrigin(withKeys)).toBe('s3://media/v at http://127.0.0.1:4568');
  });

  it.each<[string, FillFlags, RegExp]>([
    ['a window that is not one', { fillWindow: '25:00-03:00' }, /--fill-window/],
    ['an origin of another scheme', { origin: 'http://x/y' }, /--origin must be s3:\/\/BUCKET/],
    ['a bucket name S3 refuses', { origin: 's3://A_B' }, /not an S3 bucket name/],
    [
      'an endpoint without an s3 origin',
      { origin: 'dir:/x', originEndpoint: 'http://h' },
      /--origin-endpoint needs an s3/,
    ],
    [
      'an endpoint that is not a URL',
      { origin: 's3://media', originEndpoint: 'nope' },
      /--origin-endpoint must be a URL/,
    ],
    ['a region without an s3 origin', { originRegion: 'eu-west-1' }, /--origin-region needs an s3/],
    ['an empty directory', { origin: 'dir:' }, /needs a directory/],
  ])('refuses %s', (_what, flags, message) => {
    expect(() => fillSettingsFromFlags(flags)).toThrow(message);
  });

  it('needs --control to fill, and checks the numbers', () => {
    const base = embeddedConfig({ stores: [join(dir, 's')] });
    const on = { ...fillSettingsFromFlags({ fill: 'on' }) };
    expect(() => validateConfig({ ...base, fill: on })).toThrow(/--fill on needs --control/);
    const control = { control: 'http://127.0.0.1:9', identityKeyFile: join(dir, 'k') };
    expect(() => validateConfig({ ...base, ...control, fill: on })).not.toThrow();
    expect(() => validateConfig({ ...base, ...control, fill: { ...on, concurrency: 0 } })).toThrow(
      /--fill-concurrency/,
    );
    expect(() => validateConfig({ ...base, ...control, fill: { ...on, rateBytesPerSec: 1.5 } })).toThrow(
      /--fill-rate/,
    );
    expect(() => validateConfig({ ...base, ...control, fill: { ...on, evictGraceSec: -1 } })).toThrow(
      /--evict-grace-sec/,
    );
    // Off, nothing else is asked for.
    expect(() => validateConfig({ ...base, fill: fillSettingsFromFlags({}) })).not.toThrow();
  });

  it('stops `ferry appliance --fill on` without --control at start', () => {
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'appliance',
        '--id',
        'x',
        '--listen',
        '127.0.0.1:0',
        '--store',
        join(dir, 'p'),
        '--open',
        '--fill',
        'on',
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/FERRY_ERR_CONFIG.*--fill on needs --control/);
  });
});
