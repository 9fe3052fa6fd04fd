// `ferry origin list`: the objects under a prefix, and, when the prefix holds a catalog.json,
// whether every file it names is there with its size: what an operator checks before
// pointing appliances at an origin.
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type Catalog, parseCatalog } from '@ferry/protocol';
import { CATALOG_FILE } from './content-dir.js';
import { describeTarget, type OriginTarget, objectKey, originClient, originError } from './s3-client.js';
import { mib, type OriginIo } from './upload.js';

export interface ListedObject {
  key: string;
  size: number;
  lastModified: string;
}

export interface CatalogCoverage {
  titles: number;
  files: number;
  missing: string[];
  sizeDiffers: string[];
}

export interface ListResult {
  objects: ListedObject[];
  /** absent without a catalog.json under the prefix; `error` when it is not a valid catalog */
  catalog?: CatalogCoverage | { error: string };
}

/** Which of the catalog's files the listing lacks, or holds with another size (pure). */
export function catalogCoverage(
  catalog: Catalog,
  objects: readonly ListedObject[],
  prefix: string,
): CatalogCoverage {
  const sizes = new Map(objects.map((o) => [o.key, o.size]));
  const out: CatalogCoverage = { titles: catalog.titles.length, files: 0, missing: [], sizeDiffers: [] };
  for (const t of catalog.titles) {
    for (const s of t.streams) {
      out.files++;
      const size = sizes.get(objectKey(prefix, s.streamId));
      if (size === undefined) out.missing.push(s.streamId);
      else if (size !== s.size) out.sizeDiffers.push(s.streamId);
    }
  }
  return out;
}

async function listAll(s3: S3Client, t: OriginTarget): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  let token: string | undefined;
  // S3 pages listings by 1,000 keys; a bound keeps a misbehaving endpoint from looping.
  for (let page = 0; page < 100_000; page++) {
    let r: ListObjectsV2CommandOutput;
    try {
      r = await s3.send(
        new ListObjectsV2Command({
          Bucket: t.bucket,
          ...(t.prefix ? { Prefix: `${t.prefix}/` } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
    } catch (err) {
      throw originError(err, t, 'ListObjectsV2');
    }
    for (const c of r.Contents ?? []) {
      if (c.Key === undefined) continue;
      objects.push({ key: c.Key, size: c.Size ?? 0, lastModified: c.LastModified?.toISOString() ?? '' });
    }
    if (!r.IsTruncated || !r.NextContinuationToken) return objects;
    token = r.NextContinuationToken;
  }
  return objects;
}

async function readCatalog(s3: S3Client, t: OriginTarget, key: string): Promise<Catalog | { error: string }> {
  let text: string;
  try {
    const r = await s3.send(new GetObjectCommand({ Bucket: t.bucket, Key: key }));
    text = (await r.Body?.transformToString('utf8')) ?? '';
  } catch (err) {
    throw originError(err, t, `GetObject ${key}`);
  }
  try {
    return parseCatalog(JSON.parse(text));
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function describeCoverage(c: CatalogCoverage | { error: string }): string {
  if ('error' in c) return `${CATALOG_FILE}: not a valid catalog (${c.error})`;
  const head = `${CATALOG_FILE}: ${c.titles} titles, ${c.files} files`;
  if (c.missing.length === 0 && c.sizeDiffers.length === 0) return `${head}, all present with their sizes`;
  const parts = [
    ...(c.missing.length ? [`missing ${c.missing.length}: ${c.missing.join(', ')}`] : []),
    ...(c.sizeDiffers.length ? [`size differs ${c.sizeDiffers.length}: ${c.sizeDiffers.join(', ')}`] : []),
  ];
  return `${head}; incomplete: ${parts.join('; ')}`;
}

export async function runOriginList(
  opts: OriginTarget,
  io: OriginIo = { out: process.stdout, env: process.env },
): Promise<ListResult> {
  const s3 = originClient(opts, io.env);
  try {
    const objects = await listAll(s3, opts);
    const result: ListResult = { objects };
    for (const o of objects) io.out.write(`${o.key}\t${o.size}\t${o.lastModified}\n`);
    const total = objects.reduce((n, o) => n + o.size, 0);
    io.out.write(`${objects.length} objects, ${mib(total)} under ${describeTarget(opts)}\n`);
    const catalogKey = objectKey(opts.prefix, CATALOG_FILE);
    if (objects.some((o) => o.key === catalogKey)) {
      const catalog = await readCatalog(s3, opts, catalogKey);
      result.catalog = 'error' in catalog ? catalog : catalogCoverage(catalog, objects, opts.prefix);
      io.out.write(`${describeCoverage(result.catalog)}\n`);
    } else {
      io.out.write(`no ${CATALOG_FILE} under this prefix\n`);
    }
    return result;
  } finally {
    s3.destroy();
  }
}
