// One download: one file from one source into its partial (store/partials.ts), resumed from
// the bytes already there, through sha256 as the bytes arrive, at the shared rate cap, with
// a stall timeout on the source. It never makes the file servable: a `complete` result is a
// fsynced partial whose size and sha256 match the manifest, which the filler then commits.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, rm } from 'node:fs/promises';
import type { FillSource, ManifestFile } from '@ferry/protocol';
import type { PartialFile } from '../store/partials.js';
import type { RateCap } from './rate.js';
import { SourceError, type SourceOpener } from './source.js';

export interface DownloadInput {
  file: ManifestFile;
  source: FillSource;
  partial: PartialFile;
  sources: SourceOpener;
  rate: RateCap;
  /** asked before every chunk: false pauses the download (the fill window closed) */
  windowOpen(): boolean;
  /** a source that sends nothing for this long is given up */
  stallMs: number;
  /** the filler is stopping */
  signal: AbortSignal;
  onBytes(n: number): void;
  /** start over from byte 0 even when the partial has bytes */
  fresh?: boolean;
}

export type DownloadResult =
  /** the partial holds the file, verified and fsynced */
  | { kind: 'complete'; size: number; sha256: string; resumedFrom: number }
  /** the window closed: the partial is kept for later */
  | { kind: 'paused'; length: number }
  /** the bytes did not hash to the manifest's sha256 (or overran its size): the partial is gone */
  | { kind: 'corrupt'; sha256: string; resumedFrom: number }
  /** the source failed or stalled: the partial is kept for the next source */
  | { kind: 'error'; error: string; length: number }
  | { kind: 'stopped'; length: number };

export async function download(input: DownloadInput): Promise<DownloadResult> {
  const { file, partial } = input;
  // A partial longer than the file cannot be a prefix of it.
  let length = input.fresh || partial.length > file.size ? 0 : partial.length;
  let hash = createHash('sha256');
  if (length > 0) {
    try {
      await hashPrefix(partial.path, length, hash);
    } catch {
      length = 0;
      hash = createHash('sha256');
    }
  }
  const fh = await open(partial.path, length > 0 ? 'r+' : 'w');
  const state = { length, hash };
  let result: DownloadResult;
  try {
    await fh.truncate(length);
    result = length < file.size ? await fetchRest(input, fh, state) : finish(state, file, length);
    await fh.sync();
  } finally {
    await fh.close();
  }
  // A corrupt partial is removed so that nothing resumes it.
  if (result.kind === 'corrupt') await rm(partial.path, { force: true });
  return result;
}

interface Progress {
  length: number;
  hash: Hash;
}

function finish(state: Progress, file: ManifestFile, resumedFrom: number): DownloadResult {
  const sha256 = state.hash.digest('hex');
  return sha256 === file.sha256
    ? { kind: 'complete', size: state.length, sha256, resumedFrom }
    : { kind: 'corrupt', sha256, resumedFrom };
}

async function fetchRest(input: DownloadInput, fh: FileHandle, state: Progress): Promise<DownloadResult> {
  const { file } = input;
  let resumedFrom = state.length;
  const ac = new AbortController();
  const onStop = () => ac.abort(new Error('fill stopping'));
  input.signal.addEventListener('abort', onStop, { once: true });
  const stalled = (what: string) => new SourceError(`no ${what} from the source for ${input.stallMs} ms`);
  let iterator: AsyncIterator<Uint8Array> | undefined;
  try {
    const opened = await withTimeout(
      input.sources.open(input.source, file, state.length, ac.signal),
      input.stallMs,
      () => {
        ac.abort(stalled('answer'));
        return stalled('answer');
      },
    );
    if (opened.start !== state.length) {
      // The source sends the whole file (no ranges): start over rather than drop its bytes.
      state.length = 0;
      state.hash = createHash('sha256');
      resumedFrom = 0;
      await fh.truncate(0);
    }
    iterator = opened.body[Symbol.asyncIterator]();
    for (;;) {
      if (!input.windowOpen()) return { kind: 'paused', length: state.length };
      const next = await withTimeout(iterator.next(), input.stallMs, () => {
        ac.abort(stalled('bytes'));
        return stalled('bytes');
      });
      if (next.done) break;
      const chunk = next.value;
      if (state.length + chunk.length > file.size) {
        return { kind: 'corrupt', sha256: 'more bytes than the file has', resumedFrom };
      }
      // Tokens before the write, and the next read only after: the source waits for the cap.
      await input.rate.take(chunk.length, ac.signal);
      await writeAll(fh, chunk, state.length);
      state.hash.update(chunk);
      state.length += chunk.length;
      input.onBytes(chunk.length);
    }
    if (state.length < file.size) {
      return {
        kind: 'error',
        error: `the source ended at ${state.length} of ${file.size} bytes`,
        length: state.length,
      };
    }
    return finish(state, file, resumedFrom);
  } catch (err) {
    if (input.signal.aborted) return { kind: 'stopped', length: state.length };
    const why = err instanceof SourceError ? err.message : describe(err);
    return { kind: 'error', error: why.slice(0, 256), length: state.length };
  } finally {
    input.signal.removeEventListener('abort', onStop);
    // Ends the body (and its connection) when the loop left early; errors of a dead source
    // were already reported above.
    await iterator?.return?.().catch(() => undefined);
    if (!ac.signal.aborted) ac.abort(new Error('download done'));
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code && e.message) return `${e.code}: ${e.message}`;
  return e?.message ?? String(err);
}

async function writeAll(fh: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  let off = 0;
  while (off < chunk.length) {
    off += (await fh.write(chunk, off, chunk.length - off, position + off)).bytesWritten;
  }
}

async function hashPrefix(path: string, length: number, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
  }
}

/** `p`, unless `ms` pass first: then `onTimeout()`'s error. */
async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // Once timed out, a later rejection of `p` (its aborted request) is nobody's to handle.
  p.catch(() => undefined);
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
