// The content store: files spread over one directory per SSD by rendezvous hashing, an
// in-memory map for lookups (the per-request path never touches SQLite or the disk), and
// a SQLite index per disk that survives restarts. Layout and failure handling:
// docs/content-and-store.md.

import { createReadStream, rmSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { isValidFileId, rendezvousPick } from '@ferry/protocol';
import { type Logger, pino } from 'pino';
import { Disk } from './disk.js';
import { StoreError, StoreErrors } from './errors.js';
import { HitBuffer } from './hits.js';
import { IdLock } from './id-lock.js';
import { diffIndex } from './index-diff.js';
import { openDisks, storeStats } from './open-disks.js';
import { findPartial, listPartials, newPartial, type PartialFile } from './partials.js';
import type { DiskInfo, StoreChange, StoredFile, StoreStats } from './types.js';
import type { AddOptions } from './write-version.js';
import { commitVersion, writeVersion } from './write-version.js';

/** How long a replaced version stays on disk for readers that already chose it. */
const RETIRE_MS = 30_000;

export interface StoreOptions {
  logger?: Logger;
  /** How often each disk is checked for readability; 0 disables the timer. Default 5000. */
  checkIntervalMs?: number;
  /** How often recorded hits are written to the index; 0 disables the timer. Default 30000. */
  flushIntervalMs?: number;
  /**
   * Create a store directory that does not exist (default true: first run). With false, a
   * missing directory is a failed disk, for installs that want an absent mount noticed.
   */
  create?: boolean;
}

export type { PartialFile } from './partials.js';
export type { AddOptions } from './write-version.js';

export class ContentStore {
  private readonly log: Logger;
  private readonly diskList: Disk[];
  private readonly disksById = new Map<string, Disk>();
  private readonly files = new Map<string, StoredFile>();
  private readonly hits = new HitBuffer();
  private readonly locks = new IdLock();
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** files found unreadable while serving, with why; they stay out of service until re-added */
  private readonly unreadable = new Map<string, string>();
  /** per disk, the index counters last seen (see refresh) */
  private readonly seen = new Map<string, { data: number; files: string }>();
  private closed = false;

  private constructor(disks: Disk[], files: StoredFile[][], log: Logger) {
    this.log = log;
    this.diskList = disks;
    for (const d of disks) this.disksById.set(d.id, d);
    files.forEach((list) => {
      for (const f of list) this.place(f);
    });
    for (const d of disks)
      if (d.db) this.seen.set(d.id, { data: d.db.dataVersion(), files: d.db.filesVersion() });
  }

  static open(dirs: string[], opts: StoreOptions = {}): ContentStore {
    const log = opts.logger ?? pino({ level: 'silent' });
    const opened = openDisks(dirs, { logger: log, create: opts.create ?? true });
    const store = new ContentStore(
      opened.map((o) => o.disk),
      opened.map((o) => o.files),
      log,
    );
    store.startTimers(opts.checkIntervalMs ?? 5000, opts.flushIntervalMs ?? 30_000);
    const s = store.stats();
    log.info({ files: s.files, bytes: s.bytes, disks: s.disks }, 'store: open');
    return store;
  }

  /** Same id on two disks (a crash mid-move, a disk swapped back in): keep the newer copy. */
  private place(f: StoredFile): void {
    const cur = this.files.get(f.id);
    if (cur && cur.mtimeMs >= f.mtimeMs) {
      this.dropCopy(f, 'older duplicate');
      return;
    }
    if (cur) this.dropCopy(cur, 'older duplicate');
    this.files.set(f.id, f);
  }

  private dropCopy(f: StoredFile, why: string): void {
    const disk = this.disksById.get(f.disk);
    if (disk?.state !== 'ok') return;
    rmSync(f.path, { force: true });
    disk.db?.delete(f.id);
    this.log.warn({ file: f.id, disk: f.disk, why }, 'store: removed extra copy');
  }

  private startTimers(checkMs: number, flushMs: number): void {
    if (checkMs > 0) this.timers.push(setInterval(() => this.checkHealth(), checkMs).unref());
    if (flushMs > 0) this.timers.push(setInterval(() => this.flushHits(), flushMs).unref());
  }

  /**
   * The file for `id`, from memory only; `missing: true` when its disk has failed,
   * `unreadable` when serving it found it unreadable (markUnreadable).
   */
  lookup(id: string): StoredFile | undefined {
    const f = this.files.get(id);
    if (!f) return undefined;
    if (this.disksById.get(f.disk)?.state !== 'ok') return { ...f, missing: true };
    const why = this.unreadable.get(id);
    return why === undefined ? f : { ...f, unreadable: why };
  }

  /**
   * Takes a file out of service after it could not be read (permissions, a bad sector, a
   * file changed behind the store's back): it leaves the inventory (control steers its
   * viewers elsewhere) until it is added again, and its disk is checked at once.
   */
  markUnreadable(id: string, reason: string): void {
    const f = this.files.get(id);
    if (!f || this.unreadable.has(id)) return;
    this.unreadable.set(id, reason);
    this.log.error(
      { file: id, disk: f.disk, path: f.path, reason },
      'store: file unreadable, out of service',
    );
    this.emit({ type: 'removed', id, disk: f.disk });
    const disk = this.disksById.get(f.disk);
    if (disk?.state === 'ok' && !disk.check(this.log)) this.announceFailure(disk);
  }

  recordHit(id: string, nowMs = Date.now()): void {
    this.hits.record(id, nowMs);
  }

  /** Every file the store knows, servable or not (`missing: true` on failed disks and for unreadable files). */
  list(): StoredFile[] {
    return [...this.files.keys()].map((id) => {
      const f = this.lookup(id)!;
      return f.unreadable === undefined ? f : { ...f, missing: true };
    });
  }

  /** Copies `srcPath` in as `id` (default: its file name); replaces an existing `id` atomically. */
  async add(srcPath: string, id: string = basename(srcPath), opts: AddOptions = {}): Promise<StoredFile> {
    this.checkId(id);
    const st = statSync(srcPath, { throwIfNoEntry: false });
    if (!st) throw new StoreError(StoreErrors.SOURCE_MISSING, `no such file: ${srcPath}`);
    if (!st.isFile()) throw new StoreError(StoreErrors.SOURCE_NOT_FILE, `not a regular file: ${srcPath}`);
    // Opened only once a disk is chosen, so an early refusal leaves no stream dangling.
    const open = () => createReadStream(srcPath, { highWaterMark: 1 << 20 });
    return this.locks.run(id, () => this.write(id, open, opts));
  }

  /** Stores the bytes of `source` as `id` (for fill, which streams from an origin). */
  addStream(id: string, source: AsyncIterable<Uint8Array>, opts: AddOptions = {}): Promise<StoredFile> {
    this.checkId(id);
    return this.locks.run(id, () => this.write(id, () => source, opts));
  }

  private async write(
    id: string,
    openSource: () => AsyncIterable<Uint8Array>,
    opts: AddOptions,
  ): Promise<StoredFile> {
    const file = await writeVersion({
      disk: this.pickDisk(id),
      id,
      source: openSource,
      expected: opts,
      assertOpen: () => this.assertOpen(),
      log: this.log,
    });
    this.install(file);
    return file;
  }

  /** The healthy disk a new file goes to: rendezvous hashing of its id over the disk ids. */
  private pickDisk(id: string): Disk {
    const healthy = this.diskList.filter((d) => d.state === 'ok');
    const diskId = rendezvousPick(
      id,
      healthy.map((d) => d.id),
    );
    if (diskId === undefined)
      throw new StoreError(StoreErrors.NO_HEALTHY_DISK, 'no disk in state ok to store to');
    return this.disksById.get(diskId)!;
  }

  /**
   * The partial download of this version (fill, store/partials.ts): the one on a disk to
   * resume, or a new empty one on the disk the file goes to.
   */
  partialFor(id: string, sha256: string): PartialFile {
    this.checkId(id);
    return findPartial(this.diskList, id, sha256) ?? newPartial(this.pickDisk(id), id, sha256);
  }

  /** Every partial download on the healthy disks. */
  partials(): PartialFile[] {
    return listPartials(this.diskList);
  }

  removePartial(p: PartialFile): void {
    rmSync(p.path, { force: true });
  }

  /**
   * Makes a complete partial the version in force of its id. The caller has checked its
   * sha256 while writing it (fill hashes the bytes as they arrive, so they are read once);
   * the size is checked here again, since it costs one stat.
   */
  commitPartial(p: PartialFile, file: { size: number; sha256: string }): Promise<StoredFile> {
    this.checkId(p.id);
    return this.locks.run(p.id, async () => {
      this.assertOpen();
      const disk = this.disksById.get(p.disk);
      if (disk?.state !== 'ok')
        throw new StoreError(StoreErrors.NO_HEALTHY_DISK, `disk ${p.disk} of partial ${p.name} has failed`);
      const size = statSync(p.path, { throwIfNoEntry: false })?.size;
      if (size !== file.size)
        throw new StoreError(
          StoreErrors.CHECKSUM_MISMATCH,
          `${p.name}: ${size} bytes, expected ${file.size}`,
        );
      let stored: StoredFile;
      try {
        stored = commitVersion(disk, p.id, p.path, file);
      } catch (err) {
        disk.check(this.log);
        throw new StoreError(
          StoreErrors.WRITE_FAILED,
          `${p.name}: commit on disk ${disk.id} failed: ${String(err)}`,
          {
            cause: err,
          },
        );
      }
      this.install(stored);
      return stored;
    });
  }

  /** Puts `file` in force for its id; the version it replaces goes once nobody can be reading it. */
  private install(file: StoredFile): void {
    const prev = this.files.get(file.id);
    this.files.set(file.id, file);
    this.unreadable.delete(file.id);
    if (prev && prev.disk !== file.disk) this.disksById.get(prev.disk)?.db?.delete(file.id);
    if (prev && prev.path !== file.path) this.retire(prev.path);
    this.emit({ type: 'added', file });
  }

  /**
   * Removes a replaced version after RETIRE_MS: transfers that opened it keep their file
   * descriptor, and requests checked a moment ago still open it by path. If the process
   * ends first, the next open removes it (reconcile.ts).
   */
  private retire(path: string): void {
    setTimeout(() => rmSync(path, { force: true }), RETIRE_MS).unref();
  }

  /**
   * Picks up what other processes changed in the index (`ferry content add` beside a running
   * appliance, another worker's fill): new versions come into force, removed files leave.
   * Cheap when nothing changed: one pragma per disk.
   */
  refresh(): void {
    for (const d of this.diskList) {
      if (d.state !== 'ok' || !d.db) continue;
      const data = d.db.dataVersion();
      const last = this.seen.get(d.id);
      if (last && last.data === data) continue;
      const files = d.db.filesVersion();
      this.seen.set(d.id, { data, files });
      if (last && last.files === files) continue;
      this.rescan(d);
    }
  }

  private rescan(d: Disk): void {
    const { install, gone } = diffIndex(d, this.files);
    for (const f of install) {
      this.log.info({ file: f.id, disk: d.id }, 'store: picked up a version added by another process');
      this.install(f);
    }
    for (const f of gone) {
      this.files.delete(f.id);
      this.unreadable.delete(f.id);
      this.emit({ type: 'removed', id: f.id, disk: f.disk });
    }
  }

  /**
   * Deletes `id` from its disk and the index; false when it was not held, or when `unless`
   * (asked once the id's earlier operations are done, just before the removal) says no.
   */
  remove(id: string, opts: { unless?: () => boolean } = {}): Promise<boolean> {
    return this.locks.run(id, async () => {
      const f = this.files.get(id);
      if (!f || opts.unless?.()) return false;
      this.files.delete(id);
      this.unreadable.delete(id);
      this.hits.forget(id);
      const disk = this.disksById.get(f.disk);
      // The index first (one committed row delete), the bytes after: a crash between the two
      // leaves an unindexed file, which the next open's consistency pass removes.
      if (disk?.state === 'ok') {
        disk.db!.delete(id);
        rmSync(f.path, { force: true });
      }
      this.emit({ type: 'removed', id, disk: f.disk });
      return true;
    });
  }

  disks(): DiskInfo[] {
    return this.diskList.map((d) => d.info());
  }

  stats(): StoreStats {
    return storeStats(
      this.diskList.map((d) => d.info()),
      this.files.values(),
    );
  }

  /** Checks every disk now (the timer calls this too); returns the disks' states after. */
  checkHealth(): DiskInfo[] {
    for (const d of this.diskList) {
      if (d.state === 'ok' && !d.check(this.log)) this.announceFailure(d);
    }
    try {
      this.refresh();
    } catch (err) {
      this.log.warn({ err }, 'store: could not read the index for changes, will retry');
    }
    return this.disks();
  }

  /** Takes a disk out of service (operator action, chaos). It stays failed until restart or restoreDisk. */
  markDiskFailed(diskId: string, reason: string): void {
    const d = this.disksById.get(diskId);
    if (!d || d.state === 'failed') return;
    d.fail(reason, this.log);
    this.announceFailure(d);
  }

  /**
   * Brings a failed disk back into service (the end of a chaos disk fault): opens it again as
   * at start, consistency pass included; its files become servable and are reported added.
   * False when the disk is unknown, not failed, or still cannot be opened (it stays failed).
   */
  restoreDisk(diskId: string): boolean {
    const i = this.diskList.findIndex((d) => d.id === diskId);
    const old = this.diskList[i];
    if (old?.state !== 'failed' || this.closed) return false;
    const { disk, files } = Disk.open(old.path, { logger: this.log, create: false });
    if (disk.state !== 'ok' || disk.id !== diskId) {
      disk.db?.close();
      this.log.warn({ disk: diskId, path: old.path, reason: disk.reason }, 'store: disk cannot come back');
      return false;
    }
    this.diskList[i] = disk;
    this.disksById.set(disk.id, disk);
    // What memory held for this disk is from before the failure; the pass just read the truth.
    for (const f of [...this.files.values()]) {
      if (f.disk !== diskId) continue;
      this.files.delete(f.id);
      this.unreadable.delete(f.id);
    }
    for (const f of files) {
      this.place(f);
      if (this.files.get(f.id) === f) this.emit({ type: 'added', file: f });
    }
    if (disk.db) this.seen.set(disk.id, { data: disk.db.dataVersion(), files: disk.db.filesVersion() });
    this.log.warn({ disk: diskId, files: files.length }, 'store: disk back in service');
    return true;
  }

  private announceFailure(d: Disk): void {
    const ids = [...this.files.values()].filter((f) => f.disk === d.id).map((f) => f.id);
    this.emit({ type: 'disk-failed', disk: d.id, reason: d.reason ?? 'failed', files: ids });
  }

  /** Writes recorded hits to each healthy disk's index, one transaction per disk. */
  flushHits(): void {
    for (const [diskId, deltas] of this.hits.take((id) => this.files.get(id)?.disk)) {
      const disk = this.disksById.get(diskId);
      if (disk?.state !== 'ok') continue;
      try {
        disk.db!.addHits(deltas);
      } catch (err) {
        this.log.warn({ disk: diskId, err }, 'store: could not write hit counts, will retry');
        this.hits.restore(deltas);
        disk.check(this.log);
      }
    }
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.flushHits();
    for (const d of this.diskList) d.db?.close();
  }

  private emit(change: StoreChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.log.error({ err, change: change.type }, 'store: change listener threw');
      }
    }
  }

  private checkId(id: string): void {
    this.assertOpen();
    if (!isValidFileId(id)) {
      throw new StoreError(
        StoreErrors.BAD_FILE_ID,
        `bad file id ${JSON.stringify(id)}: must be 1-128 of [A-Za-z0-9._-], not starting with a dot`,
      );
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError(StoreErrors.CLOSED, 'store is closed');
  }
}
