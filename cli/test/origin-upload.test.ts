// `ferry origin upload` against a real s3rver on loopback: the bucket ends up holding every
// file of the content directory with its exact bytes and sha256 metadata, large files in
// parts; a second run sends nothing; a changed file is sent again; a directory whose files
// disagree with catalog.json sends nothing; and each failure an operator can meet (no bucket,
// no or refused credentials, nothing listening, not a content directory) has its own code.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { freePort } from '@ferry/harness';
import { isFerryError } from '@ferry/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOriginUpload } from '../src/origin/upload.js';
import {
  collect,
  directClient,
  type OriginFixture,
  objectBytes,
  startOriginFixture,
} from './support/origin.js';
import { runFerry } from './support/run-ferry.js';

const BUCKET = 'ferry-origin';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('ferry origin upload', () => {
  let f: OriginFixture;
  let s3: S3Client;
  const streams = () => f.catalog.titles.flatMap((t) => t.streams);
  const upload = (over: Partial<Parameters<typeof runOriginUpload>[0]> = {}, env = f.env) => {
    const out = collect();
    const run = runOriginUpload(
      {
        bucket: BUCKET,
        prefix: 'content',
        endpoint: f.endpoint,
        dir: f.contentDir,
        createBucket: false,
        concurrency: 4,
        partSizeMib: 5,
        ...over,
      },
      { out, env },
    );
    return { run, out };
  };
  const puts = () => f.proxy.requests().filter((r) => r.method === 'PUT' || r.method === 'POST');

  beforeAll(async () => {
    f = await startOriginFixture();
    s3 = directClient(f);
  });
  afterAll(async () => {
    s3?.destroy();
    await f?.stop();
  });

  it('refuses a bucket that does not exist, naming --create-bucket (exit 1)', async () => {
    const r = await runFerry(
      ['origin', 'upload', '--bucket', BUCKET, '--endpoint', f.endpoint, f.contentDir],
      { env: f.env },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ferry: FERRY_ERR_ORIGIN_NO_BUCKET: .*--create-bucket/m);
    expect(puts()).toEqual([]);
  });

  it('uploads every file with its bytes and sha256, the large ones in parts, catalog.json last', async () => {
    f.proxy.reset();
    const r = await runFerry(
      [
        'origin',
        'upload',
        '--bucket',
        BUCKET,
        '--endpoint',
        f.endpoint,
        '--create-bucket',
        '--part-size',
        '5',
        f.contentDir,
      ],
      { env: f.env },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created bucket ferry-origin');
    expect(r.stdout).toMatch(/s3:\/\/ferry-origin\/content at .*: 17 uploaded \(.* MiB\), 0 skipped/);
    for (const s of streams()) {
      const bytes = await objectBytes(s3, BUCKET, `content/${s.streamId}`);
      expect(bytes.length).toBe(s.size);
      expect(sha256(bytes)).toBe(s.sha256);
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `content/${s.streamId}` }));
      expect(head.Metadata?.sha256).toBe(s.sha256);
    }
    const catalog = await objectBytes(s3, BUCKET, 'content/catalog.json');
    expect(catalog.equals(readFileSync(join(f.contentDir, 'catalog.json')))).toBe(true);

    // Files above 5 MiB went as multipart uploads (parts PUT with an uploadId), the rest whole.
    const large = streams().filter((s) => s.size > 5 * 1024 * 1024);
    expect(large.length).toBe(2);
    for (const s of large) {
      const parts = puts().filter((p) => p.path.startsWith(`/${BUCKET}/content/${s.streamId}?`));
      expect(parts.filter((p) => /partNumber=/.test(p.path)).length).toBe(2);
    }
    // catalog.json is the last object written.
    const writes = puts().filter((p) => p.method === 'PUT' && !/partNumber=/.test(p.path));
    expect(writes.at(-1)?.path.split('?')[0]).toBe(`/${BUCKET}/content/catalog.json`);
  });

  it('sends nothing again when every object is there with the same size and sha256', async () => {
    f.proxy.reset();
    const { run, out } = upload();
    const summary = await run;
    expect(summary.uploaded).toEqual([]);
    expect(summary.skipped.length).toBe(17);
    expect(puts()).toEqual([]);
    expect(out.text()).toContain('0 uploaded (0.0 MiB), 17 skipped');
  });

  it('sends a file again when its bytes change (and catalog.json with it)', async () => {
    const victim = streams()[0]!;
    const path = join(f.contentDir, victim.streamId);
    const bytes = readFileSync(path);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(path, bytes);
    const catalogPath = join(f.contentDir, 'catalog.json');
    const original = readFileSync(catalogPath, 'utf8');
    writeFileSync(catalogPath, original.replace(victim.sha256, sha256(bytes)));
    try {
      f.proxy.reset();
      const summary = await upload().run;
      expect(summary.uploaded.sort()).toEqual(['content/catalog.json', `content/${victim.streamId}`].sort());
      expect(summary.skipped.length).toBe(15);
      expect(sha256(await objectBytes(s3, BUCKET, `content/${victim.streamId}`))).toBe(sha256(bytes));
    } finally {
      bytes[0] = bytes[0]! ^ 0xff;
      writeFileSync(path, bytes);
      writeFileSync(catalogPath, original);
    }
  });

  it('sends nothing when a file disagrees with catalog.json', async () => {
    const victim = streams()[3]!;
    const path = join(f.contentDir, victim.streamId);
    const bytes = readFileSync(path);
    writeFileSync(
      path,
      Buffer.concat([bytes.subarray(0, 10), Buffer.alloc(1, bytes[10]! ^ 1), bytes.subarray(11)]),
    );
    try {
      f.proxy.reset();
      const err = await upload({ prefix: 'elsewhere' }).run.catch((e: unknown) => e);
      expect(isFerryError(err)).toBe(true);
      expect((err as Error & { code: string }).code).toBe('FERRY_ERR_ORIGIN_CHECKSUM');
      expect((err as Error).message).toContain(`${victim.streamId}: sha256`);
      expect(puts()).toEqual([]);
    } finally {
      writeFileSync(path, bytes);
    }
  });

  it('names refused and missing credentials, an endpoint with nothing listening, and a directory that is not content', async () => {
    const codeOf = async (run: Promise<unknown>) =>
      ((await run.catch((e: unknown) => e)) as { code?: string }).code;
    expect(await codeOf(upload({}, { ...f.env, AWS_ACCESS_KEY_ID: 'NOT-KNOWN' }).run)).toBe(
      'FERRY_ERR_ORIGIN_CREDENTIALS',
    );
    const { AWS_ACCESS_KEY_ID: _a, AWS_SECRET_ACCESS_KEY: _s, ...noKeys } = f.env;
    expect(await codeOf(upload({}, noKeys).run)).toBe('FERRY_ERR_ORIGIN_NO_CREDENTIALS');
    const closed = `http://127.0.0.1:${await freePort()}`;
    expect(await codeOf(upload({ endpoint: closed }).run)).toBe('FERRY_ERR_ORIGIN_UNREACHABLE');
    expect(await codeOf(upload({ dir: f.root }).run)).toBe('FERRY_ERR_ORIGIN_CONTENT');
  });
});
