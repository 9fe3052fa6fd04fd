// What the appliances ended up serving: a signed HEAD of every file of the fill set on every
// appliance, after the measured part (so it costs the measure nothing). A file counts as held
// where the answer is 200 with the catalog's length.
import type { KeyEntry } from '@ferry/protocol';
import { signedPaths } from './load.js';
import type { FillObject } from './plan.js';

export interface Holdings {
  /** appliances serving each file */
  copies: Map<string, number>;
  /** files no appliance serves */
  missing: string[];
}

export async function servedCopies(
  appliances: readonly { id: string; url: string }[],
  files: readonly FillObject[],
  key: KeyEntry,
): Promise<Holdings> {
  const paths = signedPaths(files, key, Math.floor(Date.now() / 1000));
  const copies = new Map(files.map((f) => [f.fileId, 0]));
  for (const a of appliances) {
    for (const f of files) {
      const res = await fetch(`${a.url}${paths.get(f.fileId)}`, {
        method: 'HEAD',
        signal: AbortSignal.timeout(5000),
      }).catch(() => null);
      if (res?.status === 200 && Number(res.headers.get('content-length')) === f.size)
        copies.set(f.fileId, copies.get(f.fileId)! + 1);
    }
  }
  return { copies, missing: [...copies].filter(([, n]) => n === 0).map(([id]) => id) };
}
