// Every failure a simulated player records, once, with a stable code (the Ferry
// FERRY_ERR_… convention). A session never throws these at its caller: they become
// entries in its QoE record, because a viewer's failures are the measurement.
import { defineErrors, spec } from '@ferry/protocol';

export const SimErrors = defineErrors('client-sim', {
  // A viewer's failures, recorded in its QoE (status 500: never an HTTP answer).
  STEER: spec('FERRY_ERR_SIM_STEER', 500, 'steering request failed'),
  STEER_INVALID: spec(
    'FERRY_ERR_SIM_STEER_INVALID',
    500,
    'steering answer does not match the SteerResponse contract',
  ),
  NO_VIDEO: spec('FERRY_ERR_SIM_NO_VIDEO', 500, 'steering answer has no video stream with segments and URLs'),
  SEGMENT: spec(
    'FERRY_ERR_SIM_SEGMENT',
    500,
    'segment could not be fetched from any ranked URL after re-steering',
  ),
  PLAYER: spec('FERRY_ERR_SIM_PLAYER', 500, 'a browser player (hls.js, dash.js) reported a fatal error'),
  // Why a fleet could not start (fleet/setup-error.ts).
  USAGE: spec('FERRY_ERR_SIM_USAGE', 500, 'bad simulator settings'),
  CONTROL: spec('FERRY_ERR_SIM_CONTROL', 500, 'control is unreachable or does not know a title'),
  // Reading control's chaos experiments for the report (report/chaos-fetch.ts).
  CHAOS_AUTH: spec(
    'FERRY_ERR_SIM_CHAOS_AUTH',
    500,
    'control refused the operator token for its chaos experiments (an operator token of role viewer or higher is needed)',
  ),
  CHAOS_FETCH: spec('FERRY_ERR_SIM_CHAOS_FETCH', 500, "control's chaos experiments could not be read"),
});

type SessionErrors = Omit<typeof SimErrors, 'USAGE' | 'CONTROL' | 'CHAOS_AUTH' | 'CHAOS_FETCH'>;
export type SimErrorCode = SessionErrors[keyof SessionErrors]['code'];

const MESSAGES = new Map<string, string>(Object.values(SimErrors).map((e) => [e.code, e.message]));

export class SimError extends Error {
  readonly code: SimErrorCode;

  constructor(code: SimErrorCode, detail?: string) {
    const message = MESSAGES.get(code) ?? code;
    super(detail ? `${message}: ${detail}` : message);
    this.name = 'SimError';
    this.code = code;
  }
}

/** Short text for any thrown value, with undici's/Node's error code when there is one. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = err.cause instanceof Error ? ` (${describeError(err.cause)})` : '';
    return `${typeof code === 'string' ? `${code} ` : ''}${err.message}${cause}`;
  }
  return String(err);
}
