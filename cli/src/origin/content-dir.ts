// A generated content directory (`ferry content generate`) as the origin commands see it:
// catalog.json and one file per stream it names, each checked against the catalog's size and
// sha256 before anything is sent, so an origin never serves bytes its catalog disowns.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Catalog, FerryError, parseCatalog } from '@ferry/protocol';
import { OriginErrors } from './errors.js';

export const CATALOG_FILE = 'catalog.json';

export interface ContentFile {
  fileId: string;
  path: string;
  size: number;
  sha256: string;
}

export interface ContentDir {
  catalog: Catalog;
  /** catalog.json's bytes as on disk, uploaded as they are */
  catalogBytes: Buffer;
  catalogSha256: string;
  files: ContentFile[];
  /** names in the directory the catalog does not name (not uploaded) */
  ignored: string[];
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function readContentDir(dir: string): Promise<ContentDir> {
  let catalogBytes: Buffer;
  try {
    catalogBytes = await readFile(join(dir, CATALOG_FILE));
  } catch (err) {
    throw new FerryError(OriginErrors.CONTENT, `${join(dir, CATALOG_FILE)}: ${(err as Error).message}`);
  }
  let catalog: Catalog;
  try {
    catalog = parseCatalog(JSON.parse(catalogBytes.toString('utf8')));
  } catch (err) {
    throw new FerryError(OriginErrors.CONTENT, `${join(dir, CATALOG_FILE)}: ${(err as Error).message}`);
  }
  const files: ContentFile[] = [];
  const problems: string[] = [];
  for (const title of catalog.titles) {
    for (const s of title.streams) {
      const path = join(dir, s.streamId);
      const st = await lstat(path).catch(() => undefined);
      if (!st?.isFile()) problems.push(`${s.streamId}: missing or not a regular file`);
      else files.push({ fileId: s.streamId, path, size: s.size, sha256: s.sha256 });
    }
  }
  if (problems.length > 0) throw new FerryError(OriginErrors.CONTENT, `${dir}: ${problems.join('; ')}`);
  const named = new Set([CATALOG_FILE, ...files.map((f) => f.fileId)]);
  const ignored = (await readdir(dir)).filter((n) => !named.has(n) && !n.startsWith('.')).sort();
  return { catalog, catalogBytes, catalogSha256: sha256Hex(catalogBytes), files, ignored };
}

/** Every file's size and sha256 against the catalog; throws listing all that differ. */
export async function verifyContent(files: readonly ContentFile[]): Promise<void> {
  const bad: string[] = [];
  for (const f of files) {
    const st = await lstat(f.path);
    if (st.size !== f.size) {
      bad.push(`${f.fileId}: ${st.size} bytes, catalog says ${f.size}`);
      continue;
    }
    const actual = await sha256OfFile(f.path);
    if (actual !== f.sha256)
      bad.push(`${f.fileId}: sha256 ${actual.slice(0, 16)}…, catalog says ${f.sha256.slice(0, 16)}…`);
  }
  if (bad.length > 0) throw new FerryError(OriginErrors.CHECKSUM, bad.join('; '));
}
