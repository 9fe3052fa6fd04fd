// Whether an object must be sent (pure): an object already at the origin with the same size
// and the same sha256 in its metadata is the same file, so a second run sends nothing.
// ETags cannot say so: a multipart upload's ETag is not a digest of the bytes.

/** User metadata key holding the hex sha256 of the object's bytes (`x-amz-meta-sha256`). */
export const SHA256_METADATA = 'sha256';

export interface LocalObject {
  size: number;
  sha256: string;
}

export interface RemoteObject {
  size: number;
  sha256?: string;
}

export type UploadDecision =
  | { action: 'skip' }
  | { action: 'upload'; reason: 'new' | 'size differs' | 'sha256 differs' | 'no sha256 metadata' };

export function uploadDecision(local: LocalObject, remote: RemoteObject | undefined): UploadDecision {
  if (!remote) return { action: 'upload', reason: 'new' };
  if (remote.size !== local.size) return { action: 'upload', reason: 'size differs' };
  if (remote.sha256 === undefined) return { action: 'upload', reason: 'no sha256 metadata' };
  if (remote.sha256.toLowerCase() !== local.sha256) return { action: 'upload', reason: 'sha256 differs' };
  return { action: 'skip' };
}

/**
 * Runs `fn` over `items`, at most `limit` at a time. The first failure stops new starts; the
 * ones running are waited for, then that failure is thrown.
 */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.err;
}
