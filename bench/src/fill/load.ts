// The load an appliance serves while it fills: 64 KiB ranges of the serving title (held before
// the start) from autocannon in a process of its own, with URL tokens the bench signs with the
// deployment's own key, as control would for a viewer (unbound, so any source address works).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessGroup } from '@ferry/harness';
import { type KeyEntry, parseKeyFile, signToken, tokenQuery } from '@ferry/protocol';
import type { AutocannonLoad, PlannedHttpRequest } from '../common/autocannon-child.js';
import { runAutocannonJob } from '../common/autocannon-run.js';
import { planRequests } from '../dataplane/load-plan.js';
import type { FillObject } from './plan.js';

export const LOAD_RANGE_BYTES = 64 * 1024;
const TOKEN_TTL_SEC = 3600;

export function signingKey(keyFile: string): KeyEntry {
  const [key] = parseKeyFile(readFileSync(keyFile, 'utf8'), keyFile);
  if (!key) throw new Error(`${keyFile}: no key`);
  return key;
}

/** `/v1/c/{fileId}?t=…` for each file, valid for an hour. */
export function signedPaths(
  files: readonly FillObject[],
  key: KeyEntry,
  nowSec: number,
): Map<string, string> {
  const expiresAt = nowSec + TOKEN_TTL_SEC;
  return new Map(
    files.map((f) => [
      f.fileId,
      `/v1/c/${encodeURIComponent(f.fileId)}?${tokenQuery(signToken({ key, fileId: f.fileId, expiresAt, clientPrefix: '' }), '')}`,
    ]),
  );
}

export function loadRequests(
  serve: readonly FillObject[],
  key: KeyEntry,
  nowSec: number,
): PlannedHttpRequest[] {
  const paths = signedPaths(serve, key, nowSec);
  const plan = planRequests({
    files: serve.map((f) => ({ id: f.fileId, size: f.size })),
    rangeBytes: LOAD_RANGE_BYTES,
    count: 1024,
    seed: 5,
  });
  const byPath = new Map(serve.map((f) => [`/v1/c/${encodeURIComponent(f.fileId)}`, paths.get(f.fileId)!]));
  return plan.map((r) => ({ method: 'GET', path: byPath.get(r.path)!, headers: { range: r.range } }));
}

export function runLoad(input: {
  group: ProcessGroup;
  repoRoot: string;
  dir: string;
  url: string;
  connections: number;
  durationSec: number;
  requests: readonly PlannedHttpRequest[];
  name: string;
}): Promise<AutocannonLoad> {
  return runAutocannonJob({
    group: input.group,
    repoRoot: input.repoRoot,
    jobPath: join(input.dir, `autocannon-${input.name}.json`),
    job: {
      url: input.url,
      connections: input.connections,
      durationSec: input.durationSec,
      requests: input.requests,
    },
  });
}
