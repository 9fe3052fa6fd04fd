// The origin source: an S3 bucket through any S3 API (`GetObject` with `Range` to resume) or
// a local directory. The manifest names an object by key, relative to the `--origin`
// prefix: `s3://bucket/videos` and key `t0001-v235k` read `videos/t0001-v235k`. Control
// never sees where the origin is or its credentials; the appliance brings its own.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { GetObjectCommand, type GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import type { ManifestFile } from '@ferry/protocol';
import type { OriginSettings } from './settings.js';
import { checkedStart, type OpenedSource, SourceError } from './source.js';

export interface OriginReader {
  open(key: string, file: ManifestFile, from: number, signal: AbortSignal): Promise<OpenedSource>;
  close(): Promise<void>;
}

export function originReader(o: OriginSettings): OriginReader {
  return o.kind === 's3' ? new S3Origin(o) : new DirOrigin(o.path);
}

class S3Origin implements OriginReader {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(o: Extract<OriginSettings, { kind: 's3' }>) {
    this.bucket = o.bucket;
    this.prefix = o.prefix;
    this.client = new S3Client({
      region: o.region,
      ...(o.endpoint !== undefined ? { endpoint: o.endpoint, forcePathStyle: true } : {}),
      ...(o.credentials ? { credentials: o.credentials } : {}),
      // The filler escalates to the next source and retries with its own backoff; the SDK's
      // retries would only hold a dead origin's file longer before a peer is tried.
      maxAttempts: 1,
      // Whole-object checksums do not cover a ranged read; the filler checks sha256 itself.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async open(key: string, file: ManifestFile, from: number, signal: AbortSignal): Promise<OpenedSource> {
    const Key = this.prefix ? `${this.prefix}/${key}` : key;
    let out: GetObjectCommandOutput;
    try {
      out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key, ...(from > 0 ? { Range: `bytes=${from}-` } : {}) }),
        { abortSignal: signal },
      );
    } catch (err) {
      throw new SourceError(`S3 GetObject ${Key}: ${describeS3Error(err)}`);
    }
    const body = out.Body as (AsyncIterable<Uint8Array> & { destroy?(): void }) | undefined;
    if (!body || typeof body[Symbol.asyncIterator] !== 'function')
      throw new SourceError('S3 answered without a body');
    try {
      const start = checkedStart(file, from, {
        partial: out.ContentRange !== undefined,
        contentRange: out.ContentRange,
        ...(out.ContentLength !== undefined ? { length: out.ContentLength } : {}),
      });
      return { start, body };
    } catch (err) {
      body.destroy?.();
      throw err;
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function describeS3Error(err: unknown): string {
  const e = err as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e.$metadata?.httpStatusCode;
  return [e.name, status, e.code, e.message]
    .filter((v) => v !== undefined && v !== '')
    .join(' ')
    .slice(0, 200);
}

class DirOrigin implements OriginReader {
  constructor(private readonly root: string) {}

  async open(key: string, file: ManifestFile, from: number, signal: AbortSignal): Promise<OpenedSource> {
    const rel = normalize(key);
    // A key is control's word; it must not lead outside the origin directory.
    if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`) || key.includes('\0'))
      throw new SourceError(`key ${JSON.stringify(key.slice(0, 100))} leaves the origin directory`);
    const path = join(this.root, rel);
    const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw new SourceError(`${path}: ${err.code ?? err.message}`);
    });
    if (!st.isFile()) throw new SourceError(`${path} is not a file`);
    if (st.size !== file.size)
      throw new SourceError(`the source's file has ${st.size} bytes, expected ${file.size}`);
    const start = from < st.size ? from : 0;
    return { start, body: createReadStream(path, { start, highWaterMark: 256 * 1024, signal }) };
  }

  async close(): Promise<void> {}
}
