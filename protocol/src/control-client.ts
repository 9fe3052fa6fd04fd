// One typed client for control's HTTP API (DESIGN "Control HTTP"), used by the simulator,
// the benchmarks, the harness and the CLI. Every call has a deadline and ends in either an
// answer checked against protocol's schema or a ControlClientError naming the call, the
// status and control's `{ error, message }` body. Built on undici's `request` so a caller
// can pass its own dispatcher (the simulator binds each viewer to a local source address).
import type { KeyObject } from 'node:crypto';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { type Dispatcher, request } from 'undici';
import type { Catalog } from './catalog-schema.js';
import {
  ChaosExperiment,
  ChaosExperimentList,
  type ChaosExperimentRequest,
  type ExperimentState,
} from './chaos.js';
import { type Heartbeat, HeartbeatReply, SegmentIndex, SteerResponse } from './control-api.js';
import {
  AdminStateView,
  ApplianceIdentityView,
  ApplianceList,
  type ApplianceView,
  ApplianceView as ApplianceViewSchema,
  CatalogAccepted,
  ControlEvents,
  ControlHealthz,
  type EnrollRequest,
  type EventQuery,
  RouteLookup,
  TitleView,
} from './control-views.js';
import { FillView } from './fill.js';
import { signRequest } from './request-signing.js';

export type ControlClientErrorCode =
  /** control answered with a status other than the call's success status */
  | 'FERRY_ERR_CONTROL_STATUS'
  /** no answer within the deadline */
  | 'FERRY_ERR_CONTROL_TIMEOUT'
  /** the connection failed (refused, reset, DNS) */
  | 'FERRY_ERR_CONTROL_UNREACHABLE'
  /** an answer that is not JSON */
  | 'FERRY_ERR_CONTROL_NOT_JSON'
  /** JSON that does not match the call's schema */
  | 'FERRY_ERR_CONTROL_INVALID_ANSWER';

export class ControlClientError extends Error {
  readonly code: ControlClientErrorCode;
  /** HTTP status when control answered, else undefined */
  readonly status: number | undefined;
  /** control's `error` code from an `{ error, message }` body, when it sent one */
  readonly errorCode: string | undefined;
  /** the first 300 characters of the answer's body, when there was one */
  readonly body: string | undefined;

  constructor(
    code: ControlClientErrorCode,
    message: string,
    details: { status?: number; errorCode?: string; body?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ControlClientError';
    this.code = code;
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.body = details.body;
  }
}

export interface ControlClientOptions {
  /** control's base URL, e.g. http://127.0.0.1:8000 */
  baseUrl: string | URL;
  /** per-call deadline in ms (default 10 s); 0 leaves the deadline to the caller's signal */
  timeoutMs?: number;
  /** undici dispatcher for every call (a pool, an agent bound to a local address) */
  dispatcher?: Dispatcher;
  /** operator token (`fop_…`), sent as `Authorization: Bearer` on every call but heartbeats */
  token?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** overrides the client's deadline for this call */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface HeartbeatCallOptions extends CallOptions {
  /** the appliance's identity key: the heartbeat is signed with it (control requires it) */
  signingKey?: KeyObject;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A raw answer: what a benchmark that checks bodies itself needs. */
export interface RawAnswer {
  status: number;
  text: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** What segmentIndexPath (control-api.ts) makes: ids are URL-safe or percent-encoded. */
const SEGMENT_INDEX_PATH = /^\/v1\/titles\/[A-Za-z0-9._~%-]+\/streams\/[A-Za-z0-9._~%-]+\/segments$/;

// Compiled on first use: a steering answer carries thousands of segments per stream.
const checkers = new WeakMap<TSchema, ReturnType<typeof Compile>>();
function checkerOf(schema: TSchema) {
  let c = checkers.get(schema);
  if (!c) {
    c = Compile(schema);
    checkers.set(schema, c);
  }
  return c;
}

export class ControlClient {
  readonly baseUrl: URL;
  private readonly timeoutMs: number;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly token: string | undefined;

  constructor(opts: ControlClientOptions) {
    this.baseUrl = new URL(opts.baseUrl);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.dispatcher = opts.dispatcher;
    this.token = opts.token;
  }

  /** POST /v1/steer: ranked, signed URLs for every stream of a title. */
  steer(titleId: string, opts?: CallOptions): Promise<SteerResponse> {
    return this.json('POST', '/v1/steer', SteerResponse, JSON.stringify({ titleId }), opts);
  }

  /**
   * GET a stream's SegmentIndex by the `indexUrl` of a steering answer. Only a path of that
   * shape on this control is followed: an answer naming another host (`//host/…`, a full URL)
   * is refused, so the client's credentials never go elsewhere.
   */
  segmentIndex(indexUrl: string, opts?: CallOptions): Promise<SegmentIndex> {
    if (!SEGMENT_INDEX_PATH.test(indexUrl)) {
      return Promise.reject(
        new ControlClientError(
          'FERRY_ERR_CONTROL_INVALID_ANSWER',
          `indexUrl "${indexUrl.slice(0, 200)}" is not a segment index path`,
        ),
      );
    }
    return this.json('GET', indexUrl, SegmentIndex, undefined, opts);
  }

  async listAppliances(opts?: CallOptions): Promise<ApplianceView[]> {
    return (await this.listFleet(opts)).appliances;
  }

  /** GET /v1/appliances whole: heartbeating appliances and every enrolled identity. */
  listFleet(opts?: CallOptions): Promise<ApplianceList> {
    return this.json('GET', '/v1/appliances', ApplianceList, undefined, opts);
  }

  /** POST /v1/appliances (operator): enrolls an identity key; answers 201, or 200 when it was known. */
  enrollAppliance(req: EnrollRequest, opts?: CallOptions): Promise<ApplianceIdentityView> {
    return this.json('POST', '/v1/appliances', ApplianceIdentityView, JSON.stringify(req), opts, [200, 201]);
  }

  disableAppliance(id: string, opts?: CallOptions): Promise<ApplianceIdentityView> {
    const path = `/v1/appliances/${encodeURIComponent(id)}/disable`;
    return this.json('POST', path, ApplianceIdentityView, '{}', opts);
  }

  enableAppliance(id: string, opts?: CallOptions): Promise<ApplianceIdentityView> {
    const path = `/v1/appliances/${encodeURIComponent(id)}/enable`;
    return this.json('POST', path, ApplianceIdentityView, '{}', opts);
  }

  /** DELETE /v1/appliances/{id} (operator): identity, record, routes and inventory. */
  async removeAppliance(id: string, opts?: CallOptions): Promise<void> {
    const what = `DELETE /v1/appliances/${encodeURIComponent(id)}`;
    const r = await this.call('DELETE', `/v1/appliances/${encodeURIComponent(id)}`, undefined, opts ?? {});
    if (r.status !== 204) throw statusError(what, r);
  }

  /** POST /v1/appliances/{id}/drain (operator): out of steering, and told to drain. */
  drainAppliance(id: string, reason?: string, opts?: CallOptions): Promise<AdminStateView> {
    const body = JSON.stringify(reason === undefined ? {} : { reason });
    return this.json('POST', `/v1/appliances/${encodeURIComponent(id)}/drain`, AdminStateView, body, opts);
  }

  /** POST /v1/appliances/{id}/undrain (operator). */
  undrainAppliance(id: string, opts?: CallOptions): Promise<AdminStateView> {
    return this.json('POST', `/v1/appliances/${encodeURIComponent(id)}/undrain`, AdminStateView, '{}', opts);
  }

  /** PUT /v1/appliances/{id}/maintenance (operator): drained from startMs to endMs. */
  scheduleMaintenance(
    id: string,
    window: { startMs: number; endMs: number; reason?: string },
    opts?: CallOptions,
  ): Promise<AdminStateView> {
    const path = `/v1/appliances/${encodeURIComponent(id)}/maintenance`;
    return this.json('PUT', path, AdminStateView, JSON.stringify(window), opts);
  }

  /** DELETE /v1/appliances/{id}/maintenance (operator). */
  cancelMaintenance(id: string, opts?: CallOptions): Promise<AdminStateView> {
    const path = `/v1/appliances/${encodeURIComponent(id)}/maintenance`;
    return this.json('DELETE', path, AdminStateView, undefined, opts);
  }

  getAppliance(id: string, opts?: CallOptions): Promise<ApplianceView> {
    return this.json('GET', `/v1/appliances/${encodeURIComponent(id)}`, ApplianceViewSchema, undefined, opts);
  }

  /** GET /v1/appliances/{id}/fill (viewer): how the appliance's fill goes (docs/fill.md). */
  getFill(id: string, opts?: CallOptions): Promise<FillView> {
    return this.json('GET', `/v1/appliances/${encodeURIComponent(id)}/fill`, FillView, undefined, opts);
  }

  getTitle(id: string, opts?: CallOptions): Promise<TitleView> {
    return this.json('GET', `/v1/titles/${encodeURIComponent(id)}`, TitleView, undefined, opts);
  }

  lookupRoute(ip: string, opts?: CallOptions): Promise<RouteLookup> {
    return this.json('GET', `/v1/routes/lookup?ip=${encodeURIComponent(ip)}`, RouteLookup, undefined, opts);
  }

  /** POST /v1/catalog with a Catalog or catalog.json's text as it is on disk. */
  postCatalog(catalog: Catalog | string, opts?: CallOptions): Promise<CatalogAccepted> {
    const body = typeof catalog === 'string' ? catalog : JSON.stringify(catalog);
    return this.json('POST', '/v1/catalog', CatalogAccepted, body, opts);
  }

  /** A Heartbeat, or one already serialised (a full BGP table is tens of megabytes). */
  heartbeat(
    applianceId: string,
    hb: Heartbeat | string,
    opts: HeartbeatCallOptions = {},
  ): Promise<HeartbeatReply> {
    const path = `/v1/appliances/${encodeURIComponent(applianceId)}/heartbeat`;
    const body = typeof hb === 'string' ? hb : JSON.stringify(hb);
    const { signingKey, ...call } = opts;
    const url = new URL(path, this.baseUrl);
    // An appliance's own credential, never the operator's: the signature covers what is sent.
    const authorization = signingKey
      ? signRequest(
          { method: 'POST', path: url.pathname + url.search, body },
          { id: applianceId, key: signingKey },
        )
      : '';
    const headers = { ...call.headers, authorization };
    return this.json('POST', path, HeartbeatReply, body, { ...call, headers });
  }

  /**
   * POST /v1/chaos/experiments (operator): 201 and the experiment, planned or running. A
   * refusal by a safety rule is a ControlClientError with status 409 and the rule's code
   * (`FERRY_ERR_CHAOS_RULE_…`); the refused experiment is recorded all the same.
   */
  runChaos(req: ChaosExperimentRequest, opts?: CallOptions): Promise<ChaosExperiment> {
    return this.json('POST', '/v1/chaos/experiments', ChaosExperiment, JSON.stringify(req), opts, [201]);
  }

  /** GET /v1/chaos/experiments (viewer), newest first, optionally of one state. */
  async listChaos(state?: ExperimentState, opts?: CallOptions): Promise<ChaosExperiment[]> {
    const qs = state === undefined ? '' : `?state=${encodeURIComponent(state)}`;
    return (await this.json('GET', `/v1/chaos/experiments${qs}`, ChaosExperimentList, undefined, opts))
      .experiments;
  }

  getChaos(id: string, opts?: CallOptions): Promise<ChaosExperiment> {
    return this.json(
      'GET',
      `/v1/chaos/experiments/${encodeURIComponent(id)}`,
      ChaosExperiment,
      undefined,
      opts,
    );
  }

  /** DELETE /v1/chaos/experiments/{id} (operator): the experiment, aborted (or as it was when already over). */
  abortChaos(id: string, opts?: CallOptions): Promise<ChaosExperiment> {
    return this.json(
      'DELETE',
      `/v1/chaos/experiments/${encodeURIComponent(id)}`,
      ChaosExperiment,
      undefined,
      opts,
    );
  }

  /** DELETE /v1/chaos/experiments (operator): aborts every planned and running one; returns those. */
  async abortAllChaos(opts?: CallOptions): Promise<ChaosExperiment[]> {
    return (await this.json('DELETE', '/v1/chaos/experiments', ChaosExperimentList, undefined, opts))
      .experiments;
  }

  events(query: EventQuery = {}, opts?: CallOptions): Promise<ControlEvents> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
    const qs = q.size > 0 ? `?${q}` : '';
    return this.json('GET', `/v1/events${qs}`, ControlEvents, undefined, opts);
  }

  healthz(opts?: CallOptions): Promise<ControlHealthz> {
    return this.json('GET', '/healthz', ControlHealthz, undefined, opts);
  }

  /** GET /metrics: Prometheus text. */
  async metrics(opts?: CallOptions): Promise<string> {
    const r = await this.send('GET', '/metrics', undefined, opts);
    if (r.status !== 200) throw statusError('GET /metrics', r);
    return r.text;
  }

  /** Any call, answered as status and text without checks (benchmarks that judge bodies). */
  send(method: Method, path: string, body?: string, opts: CallOptions = {}): Promise<RawAnswer> {
    return this.call(method, path, body, opts);
  }

  private async json<T extends TSchema>(
    method: Method,
    path: string,
    schema: T,
    body: string | undefined,
    opts: CallOptions = {},
    okStatus: readonly number[] = [200],
  ): Promise<import('typebox').Static<T>> {
    const what = `${method} ${path}`;
    const r = await this.call(method, path, body, opts);
    if (!okStatus.includes(r.status)) throw statusError(what, r);
    let value: unknown;
    try {
      value = JSON.parse(r.text);
    } catch {
      throw new ControlClientError('FERRY_ERR_CONTROL_NOT_JSON', `${what}: answer is not JSON`, {
        status: r.status,
        body: r.text.slice(0, 300),
      });
    }
    const checker = checkerOf(schema);
    if (!checker.Check(value)) {
      const first = [...checker.Errors(value)][0];
      const where = first ? ` (${first.instancePath || '/'} ${first.message})` : '';
      throw new ControlClientError(
        'FERRY_ERR_CONTROL_INVALID_ANSWER',
        `${what}: answer does not match the schema${where}`,
        { status: r.status },
      );
    }
    return value as import('typebox').Static<T>;
  }

  private async call(
    method: Method,
    path: string,
    body: string | undefined,
    opts: CallOptions,
  ): Promise<RawAnswer> {
    const what = `${method} ${path}`;
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    // A plain timer, not AbortSignal.timeout: on Node 20 a timeout signal held only by a
    // composite signal can be collected before it fires.
    const controller = new AbortController();
    const onParent = () => controller.abort(opts.signal?.reason);
    if (opts.signal?.aborted) controller.abort(opts.signal.reason);
    else opts.signal?.addEventListener('abort', onParent, { once: true });
    let timedOut = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeoutMs)
        : undefined;
    const headers: Record<string, string> = {
      ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      ...opts.headers,
    };
    // An empty authorization (an unsigned heartbeat) means none at all.
    if (headers['authorization'] === '') delete headers['authorization'];
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await request(new URL(path, this.baseUrl), {
        method,
        headers,
        body,
        signal: controller.signal,
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      });
      return { status: res.statusCode, text: await res.body.text() };
    } catch (err) {
      if (timedOut)
        throw new ControlClientError('FERRY_ERR_CONTROL_TIMEOUT', `${what}: no answer in ${timeoutMs} ms`, {
          cause: err,
        });
      // The caller's own abort reason (its deadline, its stop) is theirs to recognise.
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      throw new ControlClientError(
        'FERRY_ERR_CONTROL_UNREACHABLE',
        `${what}: control at ${this.baseUrl.origin} is unreachable: ${(err as Error).message}`,
        { cause: err },
      );
    } finally {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onParent);
    }
  }
}

function statusError(what: string, r: RawAnswer): ControlClientError {
  let errorCode: string | undefined;
  let message = r.text.slice(0, 300);
  try {
    const parsed = JSON.parse(r.text) as { error?: unknown; message?: unknown };
    if (typeof parsed.error === 'string') errorCode = parsed.error;
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not an { error, message } body: the text itself says what happened
  }
  const code = errorCode ? `${errorCode}: ` : '';
  return new ControlClientError('FERRY_ERR_CONTROL_STATUS', `${what}: HTTP ${r.status} ${code}${message}`, {
    status: r.status,
    body: r.text.slice(0, 300),
    ...(errorCode ? { errorCode } : {}),
  });
}
