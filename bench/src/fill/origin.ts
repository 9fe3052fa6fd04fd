// The bench's origin: s3rver on loopback holding the generated content, uploaded with
// `ferry origin upload` as an operator would, and the counting proxy in front of it. Every
// downloader (the anchor and the appliances) is given the proxy as its endpoint, so the
// proxy's GET counts are the origin's reads, whoever made them.
import {
  originClientEnv,
  type ProcessGroup,
  type S3Server,
  startS3Server,
  uploadToOrigin,
} from '@ferry/harness';
import { type CountingProxy, startCountingProxy } from './counting-proxy.js';

export const BENCH_BUCKET = 'ferry-bench-fill';
export const BENCH_PREFIX = 'content';

export interface BenchOrigin {
  readonly s3rver: S3Server;
  readonly proxy: CountingProxy;
  readonly bucket: string;
  readonly prefix: string;
  /** the environment (AWS_* credentials) every client of the origin runs with */
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startBenchOrigin(input: {
  group: ProcessGroup;
  dir: string;
  contentDir: string;
  say: (line: string) => void;
}): Promise<BenchOrigin> {
  const s3rver = await startS3Server({ dir: input.dir });
  let proxy: CountingProxy | undefined;
  try {
    const env = originClientEnv(s3rver);
    // Straight to s3rver, not through the proxy: the upload is not part of any measure.
    const out = await uploadToOrigin({
      group: input.group,
      s3: s3rver,
      bucket: BENCH_BUCKET,
      prefix: BENCH_PREFIX,
      contentDir: input.contentDir,
      createBucket: true,
      timeoutMs: 30 * 60_000,
    });
    input.say(out.trim().split('\n').pop() ?? '');
    proxy = await startCountingProxy({ upstream: s3rver.endpoint });
    const p = proxy;
    return {
      s3rver,
      proxy: p,
      bucket: BENCH_BUCKET,
      prefix: BENCH_PREFIX,
      env,
      async stop() {
        await p.close();
        await s3rver.stop();
      },
    };
  } catch (err) {
    await proxy?.close();
    await s3rver.stop();
    throw err;
  }
}
