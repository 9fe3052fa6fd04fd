// What the store hands out. `lookup` is on every request's path, so StoredFile is a plain
// object kept in memory; nothing here requires touching SQLite or the disk to answer.

export interface StoredFile {
  id: string;
  /** Id of the disk that holds the file. */
  disk: string;
  /** Absolute path of the file's bytes. */
  path: string;
  size: number;
  /** Lowercase hex sha256 of the bytes. */
  sha256: string;
  mtimeMs: number;
  /**
   * Set when the file's disk has failed: the index still knows it, but it cannot be served
   * (answer 404 FERRY_ERR_FILE_ON_FAILED_DISK). Absent for servable files.
   */
  missing?: true;
  /**
   * Set when serving the file found it unreadable (open failed, wrong size): it has left
   * the inventory and is answered 500 FERRY_ERR_FILE_UNREADABLE until it is added again.
   */
  unreadable?: string;
}

export type DiskState = 'ok' | 'failed';

export interface DiskInfo {
  id: string;
  /** Absolute path of the disk's store directory. */
  path: string;
  state: DiskState;
  /** Why the disk failed; absent while ok. */
  reason?: string;
}

export interface DiskStats extends DiskInfo {
  files: number;
  bytes: number;
}

export interface StoreStats {
  /** Servable files and bytes (disks in state ok). */
  files: number;
  bytes: number;
  disks: DiskStats[];
}

export type StoreChange =
  | { type: 'added'; file: StoredFile }
  | { type: 'removed'; id: string; disk: string }
  | { type: 'disk-failed'; disk: string; reason: string; files: string[] };
