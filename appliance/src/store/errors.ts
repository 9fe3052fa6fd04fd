// Store failures, each with a stable code. These are operator-facing (CLI, logs, fill
// status), not client-facing: a client only ever sees FILE_NOT_HELD or FILE_ON_FAILED_DISK.

export const StoreErrors = {
  NO_DISKS: 'FERRY_ERR_STORE_NO_DISKS',
  DUPLICATE_DISK: 'FERRY_ERR_STORE_DUPLICATE_DISK',
  NO_HEALTHY_DISK: 'FERRY_ERR_STORE_NO_HEALTHY_DISK',
  BAD_FILE_ID: 'FERRY_ERR_STORE_BAD_FILE_ID',
  SOURCE_MISSING: 'FERRY_ERR_STORE_SOURCE_MISSING',
  SOURCE_NOT_FILE: 'FERRY_ERR_STORE_SOURCE_NOT_FILE',
  CHECKSUM_MISMATCH: 'FERRY_ERR_STORE_CHECKSUM_MISMATCH',
  WRITE_FAILED: 'FERRY_ERR_STORE_WRITE_FAILED',
  CLOSED: 'FERRY_ERR_STORE_CLOSED',
} as const;

export type StoreErrorCode = (typeof StoreErrors)[keyof typeof StoreErrors];

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
