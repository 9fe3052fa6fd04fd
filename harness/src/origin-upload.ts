// Content into an S3 origin on loopback with the command an operator uses, `ferry origin
// upload` (which checks every file against catalog.json before it puts anything), for the
// demo's deployment and the fill benchmark.
import { type ProcessGroup, runToCompletion } from './processes.js';
import type { S3Server } from './s3-server.js';
import { FERRY_BIN } from './topology.js';

/** What a child process that talks to `s3` runs with: its credentials, the SDK kept quiet. */
export function originClientEnv(s3: S3Server): NodeJS.ProcessEnv {
  return { ...process.env, ...s3.env(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

export interface OriginUpload {
  group: ProcessGroup;
  s3: S3Server;
  bucket: string;
  prefix: string;
  contentDir: string;
  /** make the bucket first */
  createBucket?: boolean;
  timeoutMs: number;
}

/** Runs `ferry origin upload`; its stdout, or an error with its exit and stderr. */
export async function uploadToOrigin(u: OriginUpload): Promise<string> {
  const up = await runToCompletion(u.group, {
    name: 'ferry origin upload',
    command: process.execPath,
    args: [
      FERRY_BIN,
      'origin',
      'upload',
      '--bucket',
      u.bucket,
      '--prefix',
      u.prefix,
      '--endpoint',
      u.s3.endpoint,
      ...(u.createBucket ? ['--create-bucket'] : []),
      u.contentDir,
    ],
    env: originClientEnv(u.s3),
    timeoutMs: u.timeoutMs,
  });
  if (up.code !== 0)
    throw new Error(`ferry origin upload: exit ${up.code ?? up.signal}\n${up.stderr.trim()}`);
  return up.stdout;
}
