// A real S3-compatible origin on loopback: s3rver (npm, 3.7.1) in a child process of its own,
// on a port the kernel picks, over a directory of its own. A process of its own so that the
// origin's work is not charged to (or slowed by) the process that measures. s3rver checks
// that a request's access key id is one it knows (S3RVER) but not SigV4 signatures.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Child, ProcessGroup, waitUntil } from '@ferry/harness';

/** s3rver's built-in account. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3rverProcess {
  /** e.g. http://127.0.0.1:40123 */
  readonly endpoint: string;
  readonly dir: string;
  readonly child: Child;
  /** the AWS_* variables a client of this origin needs */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

const S3RVER_BIN = join(
  dirname(createRequire(import.meta.url).resolve('s3rver/package.json')),
  'bin/s3rver.js',
);

export async function startS3rverProcess(
  opts: { group?: ProcessGroup; dir?: string; host?: string } = {},
): Promise<S3rverProcess> {
  const group = opts.group ?? new ProcessGroup();
  const own = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ferry-s3rver-'));
  const host = opts.host ?? '127.0.0.1';
  const child = group.start({
    name: 's3rver',
    command: process.execPath,
    args: [S3RVER_BIN, '--directory', dir, '--address', host, '--port', '0', '--silent'],
    keepBytes: 64 * 1024,
  });
  let endpoint = '';
  try {
    // s3rver prints its address on stdout even with --silent: "S3rver listening on HOST:PORT".
    await waitUntil(
      async () => {
        const m = /S3rver listening on (\S+):(\d+)/.exec(child.stdout());
        if (m) endpoint = `http://${m[1]}:${m[2]}`;
        return endpoint !== '';
      },
      { what: 's3rver', timeoutMs: 20_000, intervalMs: 50, child },
    );
  } catch (err) {
    await group.stop(child, 2000);
    if (own) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    endpoint,
    dir,
    child,
    env: {
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
    },
    async stop() {
      await group.stop(child, 2000);
      if (own) rmSync(dir, { recursive: true, force: true });
    },
  };
}
