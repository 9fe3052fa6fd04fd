// One disk of the store: DIR/files/<id>+<sha256 prefix> holds one version of a file's
// bytes (DIR/files/<id> in stores written before versions), DIR/.ferry/index.db the index
// (which names the version in force), DIR/.ferry/tmp/ the copies in progress,
// DIR/.ferry/partial/ the downloads in progress (fill). A disk that cannot be read is
// marked failed rather than thrown, so one bad SSD never takes the appliance down.

import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isValidFileId } from '@ferry/protocol';
import type { Logger } from 'pino';
import { IndexDb } from './index-db.js';
import { reconcile } from './reconcile.js';
import type { DiskInfo, DiskState, StoredFile } from './types.js';

export interface DiskOpenOptions {
  logger: Logger;
  /** Create the directory when it does not exist; otherwise a missing directory fails the disk. */
  create: boolean;
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message}` : String(e?.message ?? err);
}

export class Disk {
  readonly path: string;
  readonly filesDir: string;
  readonly tmpDir: string;
  /** downloads in progress (fill), kept across restarts to be resumed: store/partials.ts */
  readonly partialDir: string;
  readonly indexPath: string;
  id: string;
  state: DiskState = 'ok';
  reason: string | undefined;
  db: IndexDb | undefined;

  private constructor(path: string) {
    this.path = path;
    this.filesDir = join(path, 'files');
    this.tmpDir = join(path, '.ferry', 'tmp');
    this.partialDir = join(path, '.ferry', 'partial');
    this.indexPath = join(path, '.ferry', 'index.db');
    // Until the index says otherwise (or if it never can), the path names the disk.
    this.id = path;
  }

  /** Opens and reconciles one disk; returns it with its files, or failed with a reason. */
  static open(path: string, opts: DiskOpenOptions): { disk: Disk; files: StoredFile[] } {
    const disk = new Disk(path);
    try {
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) {
        if (!opts.create) throw new Error(`store directory ${path} does not exist`);
        mkdirSync(path, { recursive: true });
      } else if (!st.isDirectory()) {
        throw new Error(`store path ${path} is not a directory`);
      }
      mkdirSync(disk.filesDir, { recursive: true });
      mkdirSync(disk.tmpDir, { recursive: true });
      disk.db = new IndexDb(disk.indexPath);
      disk.id = disk.db.getMeta('disk_id') ?? disk.assignId();
      removeLeftoverTemps(disk, opts.logger);
      const files = reconcile(disk, disk.db, opts.logger);
      return { disk, files };
    } catch (err) {
      disk.fail(`cannot open: ${describe(err)}`, opts.logger);
      return { disk, files: [] };
    }
  }

  private assignId(): string {
    const base = basename(this.path).replace(/[^A-Za-z0-9._-]/g, '_') || 'disk';
    const id = `${base}-${randomBytes(3).toString('hex')}`;
    this.db!.setMeta('disk_id', id);
    return id;
  }

  /** The old layout's path of `id` (no version in the name). */
  filePath(id: string): string {
    return join(this.filesDir, id);
  }

  /** Where the version of `id` with these bytes lives. */
  versionName(id: string, sha256: string): string {
    return `${id}${VERSION_SEPARATOR}${sha256.slice(0, VERSION_HEX)}`;
  }

  /** A temp file name that says which process writes it (see removeLeftoverTemps). */
  tempPath(id: string): string {
    return join(this.tmpDir, `${process.pid}-${randomBytes(4).toString('hex')}-${id}`);
  }

  /** Returns true when the disk is still readable; marks it failed (once) otherwise. */
  check(logger: Logger): boolean {
    if (this.state === 'failed') return false;
    try {
      const st = statSync(this.filesDir);
      if (!st.isDirectory()) throw new Error(`${this.filesDir} is not a directory`);
      accessSync(this.filesDir, constants.R_OK | constants.W_OK);
      // The database keeps its file open, so also check the path still leads to it.
      statSync(this.indexPath);
      this.db!.probe();
      return true;
    } catch (err) {
      this.fail(`health check: ${describe(err)}`, logger);
      return false;
    }
  }

  fail(reason: string, logger: Logger): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.reason = reason;
    try {
      this.db?.close();
    } catch {
      // The disk is already gone; there is nothing left to close cleanly.
    }
    this.db = undefined;
    logger.warn({ disk: this.id, path: this.path, reason }, 'store: disk failed, its files are unavailable');
  }

  info(): DiskInfo {
    return this.reason === undefined
      ? { id: this.id, path: this.path, state: this.state }
      : { id: this.id, path: this.path, state: this.state, reason: this.reason };
  }
}

/** `+` is not allowed in file ids, so `<id>+<hex>` never collides with an id. */
export const VERSION_SEPARATOR = '+';
const VERSION_HEX = 16;
/** A temp file whose writer cannot be identified (or whose pid was reused) goes after this. */
const TEMP_MAX_AGE_MS = 24 * 3600 * 1000;

/** The file id and whether the name is a versioned one, or null for a foreign name. */
export function parseStoredName(name: string): { id: string; versioned: boolean } | null {
  const plus = name.lastIndexOf(VERSION_SEPARATOR);
  if (plus < 0) return isValidFileId(name) ? { id: name, versioned: false } : null;
  const id = name.slice(0, plus);
  const hex = name.slice(plus + 1);
  return isValidFileId(id) && /^[0-9a-f]{16}$/.test(hex) ? { id, versioned: true } : null;
}

/** True when a process with this pid exists (EPERM: it exists, owned by someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Temp files are copies that never reached their rename: never servable. But a temp file
 * of a process that is still running is an add in progress (`ferry content add` beside a
 * restarting appliance, another worker's fill): removing it would fail that add after it
 * has written gigabytes. So a temp file named by a live pid is left alone, unless it is
 * older than a day (the pid may have been reused).
 */
function removeLeftoverTemps(disk: Disk, logger: Logger): void {
  const now = Date.now();
  for (const name of readdirSync(disk.tmpDir)) {
    const path = join(disk.tmpDir, name);
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st || now - st.mtimeMs < TEMP_MAX_AGE_MS) {
        logger.info({ disk: disk.id, file: name, pid }, 'store: temp file of a running process left alone');
        continue;
      }
    }
    rmSync(path, { force: true, recursive: true });
    logger.warn({ disk: disk.id, file: name }, 'store: removed leftover temp file');
  }
}
