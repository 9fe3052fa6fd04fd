// The anchor of `ferry bench fill`, in a process of its own: the fill set downloaded with
// plain S3 GetObject calls, each body streamed to a file on disk, `concurrency` at a time.
// It gives the guarantees a fill must give before a file counts, and nothing more: the bytes
// are hashed on the way (sha256 checked against the catalog), fsynced, and renamed into place.
// No rate cap, no resume, no sources but the origin. Input: a JSON file named by argv[2]
// (AnchorJob). Output: one JSON line (AnchorResult) on stdout.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';

export interface AnchorJob {
  readonly endpoint: string;
  readonly bucket: string;
  /** key prefix, without slashes at either end */
  readonly prefix: string;
  readonly objects: readonly { fileId: string; size: number; sha256: string }[];
  readonly concurrency: number;
  /** where the files are written, one per fileId */
  readonly outDir: string;
}

export interface AnchorResult {
  /** wall-clock ms (Date.now) of the first request and of the last rename */
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly elapsedMs: number;
  readonly files: number;
  readonly bytes: number;
  /** user + system CPU of this process over the downloads */
  readonly cpuMs: number;
  readonly errors: readonly string[];
}

async function fetchOne(s3: S3Client, job: AnchorJob, o: AnchorJob['objects'][number]): Promise<number> {
  const key = job.prefix ? `${job.prefix}/${o.fileId}` : o.fileId;
  const r = await s3.send(new GetObjectCommand({ Bucket: job.bucket, Key: key }));
  if (!r.Body) throw new Error(`${key}: no body`);
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  const final = join(job.outDir, o.fileId);
  const tmp = `${final}.part`;
  await pipeline(r.Body as NodeJS.ReadableStream, tap, createWriteStream(tmp));
  const fh = await open(tmp, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  const sha = hash.digest('hex');
  if (bytes !== o.size || sha !== o.sha256) throw new Error(`${key}: ${bytes} bytes, sha256 ${sha} differ`);
  await rename(tmp, final);
  return bytes;
}

async function main(): Promise<void> {
  const jobPath = process.argv[2];
  if (!jobPath) throw new Error('usage: anchor-child JOB.json');
  const job = JSON.parse(await readFile(jobPath, 'utf8')) as AnchorJob;
  await mkdir(job.outDir, { recursive: true });
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const s3 = new S3Client({
    endpoint: job.endpoint,
    forcePathStyle: true,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
    },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const errors: string[] = [];
  let files = 0;
  let bytes = 0;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const startedAtMs = Date.now();
  const t0 = performance.now();
  const worker = async () => {
    while (next < job.objects.length) {
      const o = job.objects[next++]!;
      try {
        // Read `bytes` only after the await: `bytes += await …` would add to a stale total.
        const n = await fetchOne(s3, job, o);
        bytes += n;
        files++;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, job.concurrency) }, worker));
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  s3.destroy();
  const out: AnchorResult = {
    startedAtMs,
    endedAtMs: Date.now(),
    elapsedMs,
    files,
    bytes,
    cpuMs: (cpu.user + cpu.system) / 1000,
    errors,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
