// `ferry origin upload`: a generated content directory into an S3 bucket, as the origin that
// appliances fill from. Every file is checked against catalog.json first (nothing is sent
// when one differs); objects already there with the same size and sha256 are skipped;
// catalog.json goes last, so a bucket's catalog never names an object that is not there.
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import {
  CreateBucketCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { CATALOG_FILE, type ContentFile, readContentDir, verifyContent } from './content-dir.js';
import { forEachLimit, type RemoteObject, SHA256_METADATA, uploadDecision } from './plan.js';
import { describeTarget, type OriginTarget, objectKey, originClient, originError } from './s3-client.js';

export interface OriginUploadOptions extends OriginTarget {
  dir: string;
  createBucket: boolean;
  /** files sent at once */
  concurrency: number;
  /** multipart part size in MiB (at least 5, S3's smallest); smaller files go in one PUT */
  partSizeMib: number;
}

export interface OriginIo {
  out: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export interface UploadSummary {
  uploaded: string[];
  skipped: string[];
  bytesUploaded: number;
  bytesSkipped: number;
  seconds: number;
}

export function mib(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

async function ensureBucket(s3: S3Client, t: OriginTarget, create: boolean, io: OriginIo): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: t.bucket }));
    return;
  } catch (err) {
    const e = originError(err, t, 'HeadBucket');
    if (e.code !== 'FERRY_ERR_ORIGIN_NO_BUCKET' || !create) throw e;
  }
  const region = await s3.config.region();
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: t.bucket,
        // S3 wants the region named everywhere but in us-east-1, where naming it is an error.
        ...(region !== 'us-east-1'
          ? { CreateBucketConfiguration: { LocationConstraint: region as never } }
          : {}),
      }),
    );
  } catch (err) {
    throw originError(err, t, 'CreateBucket');
  }
  io.out.write(`created bucket ${t.bucket}\n`);
}

async function headObject(s3: S3Client, t: OriginTarget, key: string): Promise<RemoteObject | undefined> {
  try {
    const h = await s3.send(new HeadObjectCommand({ Bucket: t.bucket, Key: key }));
    const sha = h.Metadata?.[SHA256_METADATA];
    return { size: h.ContentLength ?? -1, ...(sha !== undefined ? { sha256: sha } : {}) };
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 && (err as { name?: string }).name !== 'NoSuchBucket') return undefined;
    throw originError(err, t, `HeadObject ${key}`);
  }
}

async function sendFile(s3: S3Client, t: OriginTarget, key: string, f: ContentFile, partSize: number) {
  const upload = new Upload({
    client: s3,
    params: {
      Bucket: t.bucket,
      Key: key,
      Body: createReadStream(f.path, { highWaterMark: 1 << 20 }),
      ContentLength: f.size,
      ContentType: 'application/octet-stream',
      Metadata: { [SHA256_METADATA]: f.sha256 },
    },
    partSize,
    queueSize: 2,
    leavePartsOnError: false,
  });
  try {
    await upload.done();
  } catch (err) {
    throw originError(err, t, `upload of ${key}`);
  }
}

export async function runOriginUpload(
  opts: OriginUploadOptions,
  io: OriginIo = { out: process.stdout, env: process.env },
): Promise<UploadSummary> {
  const started = performance.now();
  const dir = resolve(opts.dir);
  const content = await readContentDir(dir);
  const s3 = originClient(opts, io.env);
  const summary: UploadSummary = { uploaded: [], skipped: [], bytesUploaded: 0, bytesSkipped: 0, seconds: 0 };
  try {
    // The bucket before the hashing: a wrong endpoint, bucket or key fails in a second, not
    // after reading every byte.
    await ensureBucket(s3, opts, opts.createBucket, io);
    await verifyContent(content.files);
    const total = content.files.reduce((n, f) => n + f.size, 0);
    io.out.write(`checked ${content.files.length} files (${mib(total)}) against ${CATALOG_FILE}\n`);
    for (const name of content.ignored) io.out.write(`ignored ${name} (not in ${CATALOG_FILE})\n`);
    const partSize = opts.partSizeMib * (1 << 20);
    const record = (key: string, size: number, sent: boolean, why: string) => {
      (sent ? summary.uploaded : summary.skipped).push(key);
      if (sent) summary.bytesUploaded += size;
      else summary.bytesSkipped += size;
      io.out.write(`${sent ? 'uploaded' : 'skipped '}  ${key}  ${mib(size)}  ${why}\n`);
    };
    await forEachLimit(content.files, opts.concurrency, async (f) => {
      const key = objectKey(opts.prefix, f.fileId);
      const decision = uploadDecision(f, await headObject(s3, opts, key));
      if (decision.action === 'skip') return record(key, f.size, false, '(same size and sha256)');
      await sendFile(s3, opts, key, f, partSize);
      record(key, f.size, true, `(${decision.reason})`);
    });

    const catalogKey = objectKey(opts.prefix, CATALOG_FILE);
    const local = { size: content.catalogBytes.length, sha256: content.catalogSha256 };
    const decision = uploadDecision(local, await headObject(s3, opts, catalogKey));
    if (decision.action === 'skip') {
      record(catalogKey, local.size, false, '(same size and sha256)');
    } else {
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: opts.bucket,
            Key: catalogKey,
            Body: content.catalogBytes,
            ContentType: 'application/json',
            Metadata: { [SHA256_METADATA]: local.sha256 },
          }),
        );
      } catch (err) {
        throw originError(err, opts, `PutObject ${catalogKey}`);
      }
      record(catalogKey, local.size, true, `(${decision.reason})`);
    }
  } finally {
    s3.destroy();
  }
  summary.seconds = (performance.now() - started) / 1000;
  const rate = summary.bytesUploaded / Math.max(summary.seconds, 1e-3);
  io.out.write(
    `${describeTarget(opts)}: ${summary.uploaded.length} uploaded (${mib(summary.bytesUploaded)}), ` +
      `${summary.skipped.length} skipped (${mib(summary.bytesSkipped)}) in ${summary.seconds.toFixed(1)} s` +
      `${summary.bytesUploaded > 0 ? ` (${mib(rate)}/s)` : ''}\n`,
  );
  return summary;
}
