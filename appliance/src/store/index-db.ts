// One SQLite index per disk, at DIR/.ferry/index.db, beside the bytes it describes: losing a
// disk loses only its own rows, and a disk moved to another appliance brings its index along.
// The index is a cache of what is on disk (it can always be rebuilt by hashing the files),
// so WAL with synchronous=NORMAL is enough: a power cut may lose the last commit, which the
// consistency pass at open then recovers from the files themselves.

import Database from 'better-sqlite3';

export interface IndexRow {
  id: string;
  disk: string;
  /** the file's name under DIR/files/: `<id>+<sha256 prefix>`; null for the old layout (`<id>`) */
  name: string | null;
  size: number;
  sha256: string;
  mtime_ms: number;
  hits: number;
  last_access_ms: number | null;
}

export interface HitDelta {
  id: string;
  hits: number;
  lastAccessMs: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS files (
  id TEXT PRIMARY KEY,
  disk TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  mtime_ms REAL NOT NULL,
  hits INTEGER NOT NULL DEFAULT 0,
  last_access_ms INTEGER
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export class IndexDb {
  private readonly db: Database.Database;
  private readonly upsertStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;
  private readonly hitStmt: Database.Statement;
  private readonly bumpStmt: Database.Statement;
  private readonly versionStmt: Database.Statement;
  private readonly dataVersionStmt: Database.Statement;

  constructor(path: string) {
    this.db = new Database(path);
    try {
      // Several appliance worker processes share one index: wait for a writer instead of
      // failing (set first, since switching to WAL takes a lock too).
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
      const columns = this.db.prepare('PRAGMA table_info(files)').all() as { name: string }[];
      // Indexes written before versioned file names: the file is DIR/files/<id> (name null).
      if (!columns.some((c) => c.name === 'name')) this.db.exec('ALTER TABLE files ADD COLUMN name TEXT');
    } catch (err) {
      this.db.close();
      throw err;
    }
    // Re-adding an id replaces its bytes but keeps its popularity.
    this.upsertStmt = this.db.prepare(
      `INSERT INTO files (id, disk, name, size, sha256, mtime_ms)
         VALUES (@id, @disk, @name, @size, @sha256, @mtime_ms)
       ON CONFLICT(id) DO UPDATE SET disk = excluded.disk, name = excluded.name, size = excluded.size,
         sha256 = excluded.sha256, mtime_ms = excluded.mtime_ms`,
    );
    // Bumped with every change to the file set (not to hit counts), so other processes on
    // this disk (workers, a running appliance beside `ferry content add`) notice cheaply.
    this.bumpStmt = this.db.prepare(
      `INSERT INTO meta (key, value) VALUES ('files_version', '1')
       ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`,
    );
    this.versionStmt = this.db.prepare("SELECT value FROM meta WHERE key = 'files_version'");
    this.dataVersionStmt = this.db.prepare('PRAGMA data_version').pluck();
    this.deleteStmt = this.db.prepare('DELETE FROM files WHERE id = ?');
    this.hitStmt = this.db.prepare(
      `UPDATE files SET hits = hits + @hits,
         last_access_ms = max(coalesce(last_access_ms, 0), @lastAccessMs) WHERE id = @id`,
    );
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  all(): IndexRow[] {
    return this.db.prepare('SELECT * FROM files').all() as IndexRow[];
  }

  get(id: string): IndexRow | undefined {
    return this.db.prepare('SELECT * FROM files WHERE id = ?').get(id) as IndexRow | undefined;
  }

  upsert(
    row: Pick<IndexRow, 'id' | 'disk' | 'size' | 'sha256' | 'mtime_ms'> & { name?: string | null },
  ): void {
    this.db.transaction(() => {
      this.upsertStmt.run({ name: null, ...row });
      this.bumpStmt.run();
    })();
  }

  delete(id: string): void {
    this.db.transaction(() => {
      this.deleteStmt.run(id);
      this.bumpStmt.run();
    })();
  }

  /** The files_version counter: changes with every add or removal, by any process. */
  filesVersion(): string {
    const row = this.versionStmt.get() as { value: string } | undefined;
    return row?.value ?? '0';
  }

  /**
   * SQLite's counter of commits by other connections: one cheap pragma, checked first so the
   * files_version row is only read when someone wrote (hit flushes move it too).
   */
  dataVersion(): number {
    return this.dataVersionStmt.get() as number;
  }

  /** Adds hit counts in one transaction: one fsync-free WAL append instead of one per file. */
  addHits(deltas: HitDelta[]): void {
    this.db.transaction((rows: HitDelta[]) => {
      for (const r of rows) this.hitStmt.run(r);
    })(deltas);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** A cheap read that fails if the database file can no longer be read. */
  probe(): void {
    this.db.prepare('SELECT count(*) AS n FROM files').get();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
