// POST /v1/steer (DESIGN flow 1): asks control where to fetch a title through protocol's
// ControlClient (which checks the answer against SteerResponse), and picks out the video
// ladder. The answer names each stream's segment index (indexUrl) rather than carrying it;
// the ladder's indexes are fetched once and kept in a SegmentIndexCache, so a re-steer costs
// only the small answer. The session's own deadline and stop signal bound the calls, on its
// own dispatcher (the viewer's local source address); failures keep the simulator's error codes.
import {
  type CatalogSegment,
  ControlClient,
  ControlClientError,
  type SteerResponse,
  type SteerStream,
  setBounded,
} from '@ferry/protocol';
import type { Dispatcher } from 'undici';
import { SimError } from '../errors.js';
import { linkedAbort } from './abort.js';

export type { SteerStream };

/** A rung the player plays: the steered stream with its segment index. */
export type PlayerStream = SteerStream & { segments: CatalogSegment[] };

export interface SteerOptions {
  control: string;
  titleId: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Segment indexes by absolute URL, shared by the sessions of one run: an index is the same for
 * every viewer of a catalog, so it is fetched once. Bounded (oldest dropped first); a failed
 * fetch is not kept.
 */
export class SegmentIndexCache {
  private readonly held = new Map<string, Promise<CatalogSegment[]>>();

  constructor(private readonly maxEntries = 10_000) {}

  get size(): number {
    return this.held.size;
  }

  get(url: string, fetch: () => Promise<CatalogSegment[]>): Promise<CatalogSegment[]> {
    let p = this.held.get(url);
    if (!p) {
      p = fetch();
      setBounded(this.held, url, p, this.maxEntries);
      p.catch(() => {
        if (this.held.get(url) === p) this.held.delete(url);
      });
    }
    return p;
  }
}

export async function steer(opts: SteerOptions): Promise<SteerResponse> {
  return withClient(opts, 'no answer', (client, signal) => client.steer(opts.titleId, { signal }));
}

/** The video ladder of an answer with each rung's segment index (from `cache`, or fetched). */
export async function steeredLadder(
  opts: Omit<SteerOptions, 'titleId'>,
  res: SteerResponse,
  cache: SegmentIndexCache,
): Promise<PlayerStream[]> {
  const ladder = videoLadder(res);
  return Promise.all(
    ladder.map(async (s) => {
      const url = new URL(s.indexUrl, opts.control).href;
      const segments = await cache.get(url, () =>
        withClient(opts, 'no segment index', async (client, signal) => {
          const index = await client.segmentIndex(s.indexUrl, { signal });
          if (index.streamId !== s.streamId || index.segments.length !== s.segmentCount) {
            throw new SimError(
              'FERRY_ERR_SIM_STEER_INVALID',
              `segment index of ${s.streamId} does not match`,
            );
          }
          return index.segments;
        }),
      );
      return { ...s, segments };
    }),
  );
}

async function withClient<T>(
  opts: Omit<SteerOptions, 'titleId'>,
  what: string,
  call: (client: ControlClient, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const abort = linkedAbort(
    opts.signal,
    opts.timeoutMs,
    () => new SimError('FERRY_ERR_SIM_STEER', `${what} in ${opts.timeoutMs} ms`),
  );
  // timeoutMs 0: the deadline is the session's (linkedAbort), whose reason the client rethrows.
  const client = new ControlClient({ baseUrl: opts.control, dispatcher: opts.dispatcher, timeoutMs: 0 });
  try {
    return await call(client, abort.signal);
  } catch (err) {
    throw err instanceof ControlClientError ? simError(err) : err;
  } finally {
    abort.dispose();
  }
}

function simError(err: ControlClientError): unknown {
  switch (err.code) {
    case 'FERRY_ERR_CONTROL_STATUS':
      return new SimError('FERRY_ERR_SIM_STEER', `HTTP ${err.status} ${(err.body ?? '').slice(0, 200)}`);
    case 'FERRY_ERR_CONTROL_NOT_JSON':
      return new SimError('FERRY_ERR_SIM_STEER_INVALID', 'not JSON');
    case 'FERRY_ERR_CONTROL_INVALID_ANSWER':
      return new SimError('FERRY_ERR_SIM_STEER_INVALID');
    default:
      // A failed connection is recorded as the transport reported it, as before the client.
      return err.cause ?? err;
  }
}

/**
 * The video streams a player can switch between, ascending by bitrate. Only streams with
 * segments and at least one URL count; rungs share segment boundaries (catalog contract),
 * so the segment list of the lowest rung drives the playback loop.
 */
export function videoLadder(res: SteerResponse): SteerStream[] {
  const ladder = res.streams
    .filter((s) => s.kind === 'video' && s.segmentCount > 0 && s.urls.length > 0)
    .sort((a, b) => a.bitrate - b.bitrate);
  if (ladder.length === 0) throw new SimError('FERRY_ERR_SIM_NO_VIDEO', `title ${res.titleId}`);
  return ladder;
}
