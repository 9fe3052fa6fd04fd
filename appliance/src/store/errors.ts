// The store's catalogue: every store failure has one stable code. These are operator-facing
// (CLI, logs, fill status), not client-facing, so their status is 500: a client only ever
// sees FILE_NOT_HELD or FILE_ON_FAILED_DISK (appliance-http).
import { defineErrors, FerryError, spec } from '@ferry/protocol';

export const StoreErrors = defineErrors('store', {
  NO_DISKS: spec('FERRY_ERR_STORE_NO_DISKS', 500, 'at least one store directory is required'),
  DUPLICATE_DISK: spec('FERRY_ERR_STORE_DUPLICATE_DISK', 500, 'a store directory or disk appears twice'),
  NO_HEALTHY_DISK: spec('FERRY_ERR_STORE_NO_HEALTHY_DISK', 500, 'no disk is usable'),
  BAD_FILE_ID: spec('FERRY_ERR_STORE_BAD_FILE_ID', 500, 'bad file id'),
  SOURCE_MISSING: spec('FERRY_ERR_STORE_SOURCE_MISSING', 500, 'no such source file'),
  SOURCE_NOT_FILE: spec('FERRY_ERR_STORE_SOURCE_NOT_FILE', 500, 'source is not a regular file'),
  CHECKSUM_MISMATCH: spec('FERRY_ERR_STORE_CHECKSUM_MISMATCH', 500, 'checksum does not match'),
  WRITE_FAILED: spec('FERRY_ERR_STORE_WRITE_FAILED', 500, 'writing to the store failed'),
  CLOSED: spec('FERRY_ERR_STORE_CLOSED', 500, 'store is closed'),
  FILE_UNKNOWN: spec('FERRY_ERR_STORE_FILE_UNKNOWN', 500, 'the store holds no file of that id'),
});

export type StoreErrorSpec = (typeof StoreErrors)[keyof typeof StoreErrors];

/** A FerryError from the store's catalogue; its message names the file or disk concerned. */
export class StoreError extends FerryError {
  constructor(entry: StoreErrorSpec, message: string, options?: { cause?: unknown }) {
    super(entry, message, { replaceMessage: true, cause: options?.cause });
    this.name = 'StoreError';
  }
}
