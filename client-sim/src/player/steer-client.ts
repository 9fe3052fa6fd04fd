// POST /v1/steer (DESIGN flow 1): asks control where to fetch a title through protocol's
// ControlClient (which checks the answer against SteerResponse), and picks out the video
// ladder. The session's own deadline and stop signal bound the call, on its own dispatcher
// (the viewer's local source address); failures keep the simulator's error codes.
import { ControlClient, ControlClientError, type SteerResponse, type SteerStream } from '@ferry/protocol';
import type { Dispatcher } from 'undici';
import { SimError } from '../errors.js';
import { linkedAbort } from './abort.js';

export type { SteerStream };

export interface SteerOptions {
  control: string;
  titleId: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function steer(opts: SteerOptions): Promise<SteerResponse> {
  const abort = linkedAbort(
    opts.signal,
    opts.timeoutMs,
    () => new SimError('FERRY_ERR_SIM_STEER', `no answer in ${opts.timeoutMs} ms`),
  );
  // timeoutMs 0: the deadline is the session's (linkedAbort), whose reason the client rethrows.
  const client = new ControlClient({ baseUrl: opts.control, dispatcher: opts.dispatcher, timeoutMs: 0 });
  try {
    return await client.steer(opts.titleId, { signal: abort.signal });
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
    .filter((s) => s.kind === 'video' && s.segments.length > 0 && s.urls.length > 0)
    .sort((a, b) => a.bitrate - b.bitrate);
  if (ladder.length === 0) throw new SimError('FERRY_ERR_SIM_NO_VIDEO', `title ${res.titleId}`);
  return ladder;
}
