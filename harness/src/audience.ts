// An audience of simulated viewers for the demo and the failover benchmark: each viewer
// is one player session bound to its own source address in its network, arriving over
// the first seconds of the run.
import { setMaxListeners } from 'node:events';
import { runSession, type SessionQoe } from '@ferry/client-sim';
import type { Catalog } from '@ferry/protocol';

export interface AudienceOptions {
  control: string;
  catalog: Catalog;
  sessions: number;
  durationSec: number;
  /** source address of viewer i */
  addressOf(i: number): string;
  signal?: AbortSignal;
}

/** Viewers alternate between the east (127.64/16) and west (127.65/16) client networks. */
export function demoViewerAddress(i: number): string {
  const east = i % 2 === 0;
  return `127.${east ? 64 : 65}.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;
}

export async function playViewers(opts: AudienceOptions): Promise<SessionQoe[]> {
  // Every viewer listens on the one stop signal.
  if (opts.signal) setMaxListeners(opts.sessions + 10, opts.signal);
  const runs: Promise<SessionQoe>[] = [];
  const rampMs = Math.min(5000, (opts.durationSec * 1000) / 10);
  for (let i = 0; i < opts.sessions && !opts.signal?.aborted; i++) {
    const title = opts.catalog.titles[i % opts.catalog.titles.length]!;
    const delayMs = rampMs * (i / Math.max(1, opts.sessions));
    runs.push(
      new Promise<void>((r) => setTimeout(r, delayMs)).then(() =>
        runSession({
          id: `viewer-${i + 1}`,
          control: opts.control,
          titleId: title.id,
          durationSec: Math.max(1, opts.durationSec - delayMs / 1000),
          localAddress: opts.addressOf(i),
          signal: opts.signal,
        }),
      ),
    );
  }
  return Promise.all(runs);
}
