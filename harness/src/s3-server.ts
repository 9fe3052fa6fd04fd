// A private S3-compatible server for fill tests, the demo and the fill benchmark: s3rver
// (npm, pinned) as its own process on loopback, port 0 unless asked (the port it took is
// read from its readiness line, so there is no race for a free port), data in a temp dir,
// its buckets made at start. It speaks the S3 API that @aws-sdk/client-s3 talks, ranged GETs
// included. Stopped by its pid (processes.ts); the temp dir is removed on stop() unless the
// caller gave it.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type Child, ProcessGroup } from './processes.js';

/** s3rver's built-in account: any client must sign with it. */
export const S3_TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const S3_TEST_REGION = 'us-east-1';

export interface S3Server {
  /** http://127.0.0.1:PORT, for `--origin-endpoint` and S3Client's `endpoint` */
  endpoint: string;
  port: number;
  dir: string;
  pid: number;
  /** a client of this server (path-style, its credentials); destroyed on stop() */
  client: S3Client;
  putObject(bucket: string, key: string, body: Uint8Array | string): Promise<void>;
  /** The environment a child process needs to reach it with the AWS SDK's default chain. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

export interface S3ServerOptions {
  buckets?: string[];
  /** listen here instead of an ephemeral port: a restart where clients already point */
  port?: number;
  /** use this data dir (a stopped server's, to keep its objects); the caller removes it */
  dir?: string;
  readyTimeoutMs?: number;
}

function s3rverBin(): string {
  return createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');
}

export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'ferry-s3-')));
  const args = [
    s3rverBin(),
    '--directory',
    dir,
    '--address',
    '127.0.0.1',
    '--port',
    String(options.port ?? 0),
  ];
  args.push('--silent', '--no-vhost-buckets');
  for (const b of options.buckets ?? []) args.push('--configure-bucket', b);
  const group = new ProcessGroup();
  let child: Child;
  try {
    child = group.start({ name: 's3rver', command: process.execPath, args, keepBytes: 64 * 1024 });
  } catch (err) {
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const readyMs = options.readyTimeoutMs ?? 10_000;
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`s3rver not ready within ${readyMs} ms: ${child.stderr()}`)),
        readyMs,
      );
      child.process.stdout?.on('data', () => {
        const m = /S3rver listening on [^\s:]+:(\d+)/.exec(child.stdout());
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      void child.exited.then((exit) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited (${JSON.stringify(exit)}): ${child.stderr()}`));
      });
    });
  } catch (err) {
    await group.stop(child);
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: S3_TEST_REGION,
    forcePathStyle: true,
    credentials: S3_TEST_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    port,
    dir,
    pid: child.pid,
    client,
    async putObject(bucket, key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    env: () => ({
      AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
      AWS_REGION: S3_TEST_REGION,
    }),
    async stop() {
      client.destroy();
      await group.stop(child);
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
