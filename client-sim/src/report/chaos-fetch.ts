// Reads control's chaos experiments for the report: `GET /v1/chaos/experiments` with an
// operator token (role viewer or higher) as `Authorization: Bearer`, the answer checked
// against protocol's `ChaosExperimentList`. A refused token is its own error, because the
// fix (another token) differs from that of an unreachable control.
import { type ChaosExperiment, ChaosExperimentList } from '@ferry/protocol';
import { Compile } from 'typebox/compile';
import { type Dispatcher, request } from 'undici';
import { describeError, SimErrors } from '../errors.js';
import { linkedAbort } from '../player/abort.js';

export type ChaosFetchCode = (typeof SimErrors)['CHAOS_AUTH' | 'CHAOS_FETCH']['code'];

const MESSAGES: Record<ChaosFetchCode, string> = {
  [SimErrors.CHAOS_AUTH.code]: SimErrors.CHAOS_AUTH.message,
  [SimErrors.CHAOS_FETCH.code]: SimErrors.CHAOS_FETCH.message,
};

export class ChaosFetchError extends Error {
  readonly code: ChaosFetchCode;
  /** control's HTTP status, when it answered */
  readonly status: number | undefined;

  constructor(code: ChaosFetchCode, detail: string, status?: number) {
    super(`${MESSAGES[code]}: ${detail}`);
    this.name = 'ChaosFetchError';
    this.code = code;
    this.status = status;
  }
}

export interface FetchChaosOptions {
  /** control's base URL */
  control: string;
  /** operator token (`fop_…`) */
  token: string;
  /** default 10 s */
  timeoutMs?: number;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
}

const checkList = Compile(ChaosExperimentList);

/** control's `{ error, message }` body in words, or the start of whatever it sent. */
function bodyText(text: string): string {
  try {
    const b = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof b.error === 'string')
      return `${b.error}${typeof b.message === 'string' ? `: ${b.message}` : ''}`;
  } catch {
    // not JSON: shown as it came
  }
  return text.slice(0, 200);
}

/** The experiments in control's answer, or in words why it holds none. */
function experimentsIn(text: string): ChaosExperiment[] | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'the answer is not JSON';
  }
  if (checkList.Check(value)) return value.experiments;
  for (const e of checkList.Errors(value))
    return `the answer is not a ChaosExperimentList (${e.instancePath || '/'} ${e.message})`;
  return 'the answer is not a ChaosExperimentList';
}

export async function fetchChaosExperiments(opts: FetchChaosOptions): Promise<ChaosExperiment[]> {
  const url = new URL('/v1/chaos/experiments', opts.control);
  const what = `GET ${url}`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const deadline = linkedAbort(opts.signal, timeoutMs);
  let status: number;
  let text: string;
  try {
    const res = await request(url, {
      method: 'GET',
      headers: { authorization: `Bearer ${opts.token}`, accept: 'application/json' },
      signal: deadline.signal,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? err;
    if (deadline.signal.aborted)
      throw new ChaosFetchError('FERRY_ERR_SIM_CHAOS_FETCH', `${what}: no answer in ${timeoutMs} ms`);
    throw new ChaosFetchError('FERRY_ERR_SIM_CHAOS_FETCH', `${what}: ${describeError(err)}`);
  } finally {
    deadline.dispose();
  }
  if (status === 401 || status === 403) {
    const fix =
      status === 401
        ? 'give a valid token with --token or FERRY_TOKEN'
        : "the token's role may not read experiments";
    throw new ChaosFetchError(
      'FERRY_ERR_SIM_CHAOS_AUTH',
      `${what} answered ${status} (${bodyText(text)}); ${fix}`,
      status,
    );
  }
  if (status !== 200)
    throw new ChaosFetchError(
      'FERRY_ERR_SIM_CHAOS_FETCH',
      `${what} answered ${status}: ${bodyText(text)}`,
      status,
    );
  const got = experimentsIn(text);
  if (typeof got === 'string')
    throw new ChaosFetchError('FERRY_ERR_SIM_CHAOS_FETCH', `${what}: ${got}`, status);
  return got;
}
