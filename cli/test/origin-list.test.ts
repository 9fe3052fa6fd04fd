// `ferry origin list` against a real s3rver: every object under the prefix with its size, and
// the prefix's catalog.json checked against them (all there; then one deleted, one replaced by
// other bytes of another size); a missing bucket has its code.
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOriginList } from '../src/origin/list.js';
import { runOriginUpload } from '../src/origin/upload.js';
import { collect, directClient, type OriginFixture, startOriginFixture } from './support/origin.js';
import { runFerry } from './support/run-ferry.js';

const BUCKET = 'ferry-origin-list';

describe('ferry origin list', () => {
  let f: OriginFixture;
  let s3: S3Client;
  const streams = () => f.catalog.titles.flatMap((t) => t.streams);

  beforeAll(async () => {
    f = await startOriginFixture();
    s3 = directClient(f);
    const target = { bucket: BUCKET, prefix: 'media/v1', endpoint: f.endpoint };
    await runOriginUpload(
      { ...target, dir: f.contentDir, createBucket: true, concurrency: 4, partSizeMib: 16 },
      { out: collect(), env: f.env },
    );
  });
  afterAll(async () => {
    s3?.destroy();
    await f?.stop();
  });

  it('lists every object with its size and finds the catalog complete', async () => {
    const r = await runFerry(
      ['origin', 'list', '--bucket', BUCKET, '--prefix', '/media/v1/', '--endpoint', f.endpoint],
      { env: f.env },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    for (const s of streams())
      expect(lines).toContainEqual(expect.stringMatching(`^media/v1/${s.streamId}\t${s.size}\t20`));
    expect(lines).toContainEqual(expect.stringMatching(/^media\/v1\/catalog\.json\t\d+\t/));
    expect(r.stdout).toMatch(/^17 objects, [\d.]+ MiB under s3:\/\/ferry-origin-list\/media\/v1 at /m);
    expect(r.stdout).toContain('catalog.json: 2 titles, 16 files, all present with their sizes');
  });

  it('names the files the catalog lacks or holds with another size', async () => {
    const [gone, changed] = [streams()[1]!, streams()[2]!];
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `media/v1/${gone.streamId}` }));
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `media/v1/${changed.streamId}`, Body: Buffer.alloc(7) }),
    );
    const out = collect();
    const result = await runOriginList(
      { bucket: BUCKET, prefix: 'media/v1', endpoint: f.endpoint },
      { out, env: f.env },
    );
    expect(result.objects.length).toBe(16);
    expect(result.catalog).toEqual({
      titles: 2,
      files: 16,
      missing: [gone.streamId],
      sizeDiffers: [changed.streamId],
    });
    expect(out.text()).toContain(
      `incomplete: missing 1: ${gone.streamId}; size differs 1: ${changed.streamId}`,
    );
  });

  it('says when the prefix holds no catalog, and names a missing bucket', async () => {
    const out = collect();
    const r = await runOriginList(
      { bucket: BUCKET, prefix: 'nothing-here', endpoint: f.endpoint },
      { out, env: f.env },
    );
    expect(r.objects).toEqual([]);
    expect(out.text()).toContain('0 objects, 0.0 MiB under s3://ferry-origin-list/nothing-here');
    expect(out.text()).toContain('no catalog.json under this prefix');
    const err = await runOriginList(
      { bucket: 'no-such-bucket', prefix: 'content', endpoint: f.endpoint },
      { out: collect(), env: f.env },
    ).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('FERRY_ERR_ORIGIN_NO_BUCKET');
  });
});
