// What the origin command tests share: a real s3rver on loopback with a counting proxy in
// front (the commands are pointed at the proxy, so a test sees every request they made), a
// small generated content directory, the `ferry` command run as a user runs it, and an SDK
// client to look at the bucket independently of the code under test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { generateContent } from '@ferry/appliance';
import { type CountingProxy, startCountingProxy } from '@ferry/bench';
import { type S3Server, startS3Server } from '@ferry/harness';
import type { Catalog } from '@ferry/protocol';

// As the commands do (origin/s3-client.ts): this SDK version supports Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export interface OriginFixture {
  s3rver: S3Server;
  proxy: CountingProxy;
  /** the proxy's URL: what the commands are given as --endpoint */
  endpoint: string;
  env: NodeJS.ProcessEnv;
  root: string;
  contentDir: string;
  catalog: Catalog;
  stop(): Promise<void>;
}

/** Two titles of 3 s (16 files, about 21 MiB; the two largest above 5 MiB, S3's smallest part). */
export async function startOriginFixture(): Promise<OriginFixture> {
  const root = mkdtempSync(join(tmpdir(), 'ferry-origin-test-'));
  const contentDir = join(root, 'content');
  const { catalog } = generateContent({ out: contentDir, titles: 2, minutes: 0.05, seed: 'origin-test' });
  const s3rver = await startS3Server({ dir: join(root, 's3rver') });
  const proxy = await startCountingProxy({ upstream: s3rver.endpoint });
  const env = { ...process.env, ...s3rver.env() };
  return {
    s3rver,
    proxy,
    endpoint: proxy.url,
    env,
    root,
    contentDir,
    catalog,
    async stop() {
      await proxy.close();
      await s3rver.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A stream that keeps what is written to it. */
export function collect(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return Object.assign(w, { text: () => Buffer.concat(chunks).toString('utf8') });
}

/** An SDK client straight at s3rver (not through the proxy), to check what the bucket holds. */
export function directClient(f: OriginFixture): S3Client {
  return new S3Client({
    endpoint: f.s3rver.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: f.env.AWS_ACCESS_KEY_ID!, secretAccessKey: f.env.AWS_SECRET_ACCESS_KEY! },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function objectBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}
