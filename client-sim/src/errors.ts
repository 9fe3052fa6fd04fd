// Every failure a simulated player records, once, with a stable code (the Ferry
// FERRY_ERR_… convention). A session never throws these at its caller: they become
// entries in its QoE record, because a viewer's failures are the measurement.

export const SIM_ERRORS = {
  FERRY_ERR_SIM_STEER: 'steering request failed',
  FERRY_ERR_SIM_STEER_INVALID: 'steering answer does not match the SteerResponse contract',
  FERRY_ERR_SIM_NO_VIDEO: 'steering answer has no video stream with segments and URLs',
  FERRY_ERR_SIM_SEGMENT: 'segment could not be fetched from any ranked URL after re-steering',
} as const;

export type SimErrorCode = keyof typeof SIM_ERRORS;

export class SimError extends Error {
  readonly code: SimErrorCode;

  constructor(code: SimErrorCode, detail?: string) {
    super(detail ? `${SIM_ERRORS[code]}: ${detail}` : SIM_ERRORS[code]);
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
