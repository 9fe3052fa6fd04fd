// A private S3-compatible server for fill tests, the demo and the fill benchmark: s3rver
// (npm, pinned) as its own process on loopback, port 0 unless asked (the port it took is
// read from its readiness line, so there is no race for a free port), data in a temp dir,
// its buckets made at start. It speaks the S3 API that @aws-sdk/client-s3 talks, ranged GETs
// included. Stopped by its pid; the temp dir is removed on stop() unless the caller gave it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

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

function waitExit(proc: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
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
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const pid = proc.pid;
  const stopProcess = async () => {
    if (pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
      process.kill(pid, 'SIGTERM');
      if (!(await waitExit(proc, 5000))) {
        process.kill(pid, 'SIGKILL');
        await waitExit(proc, 2000);
      }
    }
  };
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`s3rver not ready within ${options.readyTimeoutMs ?? 10_000} ms: ${output}`)),
        options.readyTimeoutMs ?? 10_000,
      );
      const onData = (b: Buffer) => {
        output = (output + b.toString()).slice(-4000);
        const m = /S3rver listening on [^\s:]+:(\d+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited with ${code}: ${output}`));
      });
    });
  } catch (err) {
    await stopProcess();
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
    pid: pid!,
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
      await stopProcess();
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
