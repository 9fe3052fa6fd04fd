// POST /v1/steer (DESIGN flow 1): asks control where to fetch a title, checks the answer
// against the protocol's SteerResponse schema, and picks out the video ladder.
import { SteerResponse } from '@ferry/protocol';
import { Value } from 'typebox/value';
import { type Dispatcher, request } from 'undici';
import { SimError } from '../errors.js';
import { linkedAbort } from './abort.js';

export type SteerStream = SteerResponse['streams'][number];

export interface SteerOptions {
  control: string;
  titleId: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function steer(opts: SteerOptions): Promise<SteerResponse> {
  const url = new URL('/v1/steer', opts.control);
  const abort = linkedAbort(
    opts.signal,
    opts.timeoutMs,
    () => new SimError('FERRY_ERR_SIM_STEER', `no answer in ${opts.timeoutMs} ms`),
  );
  let status: number;
  let text: string;
  try {
    const res = await request(url, {
      method: 'POST',
      dispatcher: opts.dispatcher,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ titleId: opts.titleId }),
      signal: abort.signal,
    });
    status = res.statusCode;
    text = await res.body.text();
  } finally {
    abort.dispose();
  }
  if (status !== 200) {
    throw new SimError('FERRY_ERR_SIM_STEER', `HTTP ${status} ${text.slice(0, 200)}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SimError('FERRY_ERR_SIM_STEER_INVALID', 'not JSON');
  }
  if (!Value.Check(SteerResponse, body)) throw new SimError('FERRY_ERR_SIM_STEER_INVALID');
  return body;
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
