// The origin commands' pure parts: when an object is sent again, the bounded file pool, and
// the flag parsers for bucket, prefix and endpoint.
import { describe, expect, it } from 'vitest';
import { forEachLimit, uploadDecision } from '../src/origin/plan.js';
import { objectKey } from '../src/origin/s3-client.js';
import { parseBucket, parseEndpoint, parsePrefix } from '../src/origin.js';

const SHA = 'ab'.repeat(32);

describe('origin upload decisions', () => {
  it.each([
    ['nothing there', undefined, { action: 'upload', reason: 'new' }],
    ['another size', { size: 9, sha256: SHA }, { action: 'upload', reason: 'size differs' }],
    ['no sha256 metadata', { size: 10 }, { action: 'upload', reason: 'no sha256 metadata' }],
    ['another sha256', { size: 10, sha256: 'cd'.repeat(32) }, { action: 'upload', reason: 'sha256 differs' }],
    ['the same file', { size: 10, sha256: SHA }, { action: 'skip' }],
    ['the same file, upper-case hex', { size: 10, sha256: SHA.toUpperCase() }, { action: 'skip' }],
  ])('%s', (_name, remote, expected) => {
    expect(uploadDecision({ size: 10, sha256: SHA }, remote)).toEqual(expected);
  });
});

describe('forEachLimit', () => {
  it('runs at most `limit` at once and every item once', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(n);
      running--;
    });
    expect(most).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('starts nothing after a failure, waits for the running ones, then throws it', async () => {
    const started: number[] = [];
    let finished = 0;
    const err = await forEachLimit([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('one failed');
      await new Promise((r) => setTimeout(r, 10));
      finished++;
    }).catch((e: Error) => e);
    expect((err as Error).message).toBe('one failed');
    expect(started).toEqual([1, 2]);
    expect(finished).toBe(1);
  });
});

describe('origin flags', () => {
  it('takes S3 bucket names and refuses others', () => {
    expect(parseBucket('ferry-content.eu')).toBe('ferry-content.eu');
    for (const bad of ['ab', 'Ferry', '-ferry', 'ferry-', 'a..b', 'x'.repeat(64), 'a_b']) {
      expect(() => parseBucket(bad)).toThrow(/S3 bucket name/);
    }
  });

  it('trims slashes from prefixes and refuses dot segments and odd characters', () => {
    expect(parsePrefix('content')).toBe('content');
    expect(parsePrefix('/media/v1/')).toBe('media/v1');
    expect(parsePrefix('/')).toBe('');
    for (const bad of ['a/../b', './a', 'a//b', 'a b', 'a?b'])
      expect(() => parsePrefix(bad)).toThrow(/key prefix/);
    expect(objectKey('media/v1', 'catalog.json')).toBe('media/v1/catalog.json');
    expect(objectKey('', 't1-v')).toBe('t1-v');
  });

  it('takes http(s) endpoints only', () => {
    expect(parseEndpoint('http://127.0.0.1:9000/')).toBe('http://127.0.0.1:9000');
    expect(() => parseEndpoint('ftp://host')).toThrow(/http\(s\) URL/);
    expect(() => parseEndpoint('not a url')).toThrow(/http\(s\) URL/);
  });
});
