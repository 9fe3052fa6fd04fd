// GET|HEAD /v1/c/{fileId}[/range/{first}-{last}]: decide the response (decide.ts), check
// the file can be read (file-check.ts), then write it: errors through respond.ts, bodies
// through the body sender, one access-log line and the metrics for every response. Chaos
// faults (chaos/content-faults.ts) act here, before the decision: a delay before the first
// byte, a 503, or a connection reset half-way through the body. Bodies are counted per file
// (ops/file-traffic.ts): in flight, for eviction, and bytes served, for popularity.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyRing } from '@ferry/protocol';
import type { ContentFaultPlan, ContentFaultSource } from '../chaos/content-faults.js';
import { Errors } from '../errors.js';
import { FILL_REQUEST_HEADER, type FileTraffic, isTurnupRequest } from '../ops/file-traffic.js';
import type { AccessLog } from '../ops/logger.js';
import type { ApplianceMetrics } from '../ops/metrics.js';
import type { ResponseTally } from '../ops/response-tally.js';
import { type BodySender, partsLength, SendErrorCodes } from '../sendfile/body-sender.js';
import { truncateParts } from '../sendfile/part-cursor.js';
import { pauseUnlessClosed, waitFlushed } from '../sendfile/response-socket.js';
import type { ContentStore } from '../store/store.js';
import type { StoredFile } from '../store/types.js';
import { CORS_HEADERS, withCors } from './cors.js';
import { type Decision, decideContentResponse } from './decide.js';
import { FileCheck } from './file-check.js';
import { sendError } from './respond.js';
import type { RequestTarget } from './target.js';

export interface ContentContext {
  store: ContentStore;
  sender: BodySender;
  /** The key ring now (it follows the key file); null when the appliance runs with --open. */
  keys(): KeyRing | null;
  maxRanges: number;
  metrics: ApplianceMetrics;
  accessLog: AccessLog;
  /** True while the appliance has lost control for longer than its grace period. */
  isolated(): boolean;
  /** responses and failures since boot, for the heartbeat */
  tally: ResponseTally;
  /** chaos faults on content requests; absent: none */
  faults?: ContentFaultSource;
  /** bodies in flight and bytes served, per file (eviction, `served` in heartbeats) */
  traffic?: FileTraffic;
  /** files found readable a moment ago (file-check.ts); absent: one per context */
  fileCheck?: FileCheck;
}

const NO_FAULT: ContentFaultPlan = { delayMs: 0 };
/** A reset waits at most this long for the half body to leave node's buffers. */
const RESET_FLUSH_MS = 2000;
/**
 * Then this long before the RST, which discards whatever the kernel still holds: time for
 * the half body in the socket buffer to reach a viewer that is reading.
 */
const RESET_LINGER_MS = 100;

// Body failures that mean the file, not the client, is at fault.
const FILE_FAULTS = new Set<string>([SendErrorCodes.OPEN_FAILED, SendErrorCodes.SHORT_FILE]);

/** Per context, what is built once rather than per request. */
interface Prepared {
  lookup: (id: string) => StoredFile | undefined;
  fileCheck: FileCheck;
}
const prepared = new WeakMap<ContentContext, Prepared>();

function prepare(ctx: ContentContext): Prepared {
  let p = prepared.get(ctx);
  if (!p) {
    const store = ctx.store;
    p = { lookup: (id) => store.lookup(id), fileCheck: ctx.fileCheck ?? new FileCheck() };
    prepared.set(ctx, p);
  }
  return p;
}

/**
 * Metrics, the heartbeat tally and the access-log line of one response. A plain function,
 * not a closure made per request: that allocation and its bookkeeping showed in profiles.
 */
function finish(
  ctx: ContentContext,
  req: IncomingMessage,
  url: RequestTarget,
  started: number,
  status: number,
  bytes: number,
  fileId?: string,
  bodyPath?: string,
  outcome?: string,
): void {
  ctx.metrics.countResponse(status);
  ctx.tally.record(status, outcome === undefined || outcome === 'ok');
  if (!ctx.accessLog.enabled) return;
  ctx.accessLog.write({
    method: req.method ?? '',
    path: url.pathname,
    fileId,
    status,
    bytes,
    bodyPath,
    outcome,
    range: req.headers.range,
    client: req.socket.remoteAddress,
    ms: Math.round((performance.now() - started) * 1000) / 1000,
  });
}

/** Contexts for the turn-up check's own requests, one per serving context. */
const quietContexts = new WeakMap<ContentContext, ContentContext>();

/**
 * The turn-up check's test range (isTurnupRequest) is no viewer's: it is served like any
 * request, but is not in the access log (its result is in /v1/turnup) and counts in neither
 * the responses and bytes metrics, the heartbeat's tally nor the bytes served per file. Its
 * own failures (a transfer cut, a read error) still count: they are the appliance's.
 */
function quietContext(ctx: ContentContext): ContentContext {
  let quiet = quietContexts.get(ctx);
  if (!quiet) {
    const metrics = Object.create(ctx.metrics, {
      countResponse: { value: () => {} },
      countBytesSent: { value: () => {} },
    }) as ApplianceMetrics;
    const tally = Object.create(ctx.tally, { record: { value: () => {} } }) as ResponseTally;
    const accessLog = Object.create(ctx.accessLog, { enabled: { value: false } }) as AccessLog;
    quiet = { ...ctx, metrics, tally, accessLog };
    quietContexts.set(ctx, quiet);
  }
  return quiet;
}

/**
 * Answers one content request. Returns undefined when the answer was written without waiting
 * (every error, and a small cached body from a file found readable a moment ago: most
 * requests), else a promise of the rest. No promise is made on that common path: an async
 * function's promise, and the catch chained to it, were a measurable share of a small
 * request's cost (docs/benchmarks.md).
 */
export function handleContent(
  serving: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: RequestTarget,
): Promise<void> | undefined {
  const turnup = isTurnupRequest(req.headers, req.socket.remoteAddress);
  const ctx = turnup ? quietContext(serving) : serving;
  const started = ctx.accessLog.enabled ? performance.now() : 0;
  // Chaos faults are for viewers: the turn-up check failing under one would take the
  // appliance out of steering and spoil the experiment that measures viewers' failover.
  const fault = turnup ? NO_FAULT : (ctx.faults?.plan() ?? NO_FAULT);
  if (fault.delayMs > 0) {
    return sleep(fault.delayMs).then(() => answer(ctx, req, res, url, turnup, started, fault));
  }
  return answer(ctx, req, res, url, turnup, started, fault);
}

function answer(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: RequestTarget,
  turnup: boolean,
  started: number,
  fault: ContentFaultPlan,
): Promise<void> | undefined {
  const head = req.method === 'HEAD';
  if (fault.fail === '503') {
    sendError(res, Errors.CHAOS_INJECTED, { head, headers: CORS_HEADERS });
    finish(ctx, req, url, started, Errors.CHAOS_INJECTED.status, 0, undefined, undefined, 'chaos-503');
    return undefined;
  }

  const p = prepare(ctx);
  const nowMs = Date.now();
  const d = decideContentResponse(
    {
      lookup: p.lookup,
      keys: ctx.keys(),
      maxRanges: ctx.maxRanges,
      nowMs,
      isolated: ctx.isolated(),
    },
    {
      method: req.method ?? 'GET',
      headers: req.headers,
      target: url,
      clientAddress: req.socket.remoteAddress,
    },
  );

  const hasBody = !head && d.kind !== 'error' && d.parts.length > 0;
  if (fault.fail === 'reset' && !hasBody) {
    // Nothing to cut half-way: the viewer sees the connection reset before any answer.
    req.socket.resetAndDestroy();
    if (d.kind === 'error')
      finish(ctx, req, url, started, d.error.status, 0, d.fileId, undefined, 'chaos-reset');
    else finish(ctx, req, url, started, d.status, 0, d.file.id, undefined, 'chaos-reset');
    return undefined;
  }
  if (d.kind === 'error') {
    sendError(res, d.error, { head, headers: withCors(d.headers) });
    finish(ctx, req, url, started, d.error.status, 0, d.fileId);
    return undefined;
  }
  if (!hasBody) {
    ctx.store.recordHit(d.file.id);
    res.writeHead(d.status, d.headers);
    res.end();
    finish(ctx, req, url, started, d.status, 0, d.file.id);
    return undefined;
  }
  // A peer filling its store is not a viewer: its bytes are not demand (fill/http-source.ts).
  const viewer = req.headers[FILL_REQUEST_HEADER] === undefined && !turnup;
  // The file must be readable before the headers go; one found good a moment ago is not
  // checked again (file-check.ts). Its body, when small and cached, is then read and
  // written before this function returns: nothing else runs in between, so it needs no
  // in-flight count (eviction cannot remove the file under a body that is already sent).
  if (p.fileCheck.knownGood(d.file.path, d.file.size, nowMs)) {
    const sent = startBody(ctx, res, d, fault, nowMs);
    if (sent) {
      done(ctx, req, url, started, d, sent, viewer);
      return undefined;
    }
    return sendCounted(ctx, p, req, res, url, started, d, fault, viewer, true);
  }
  return sendCounted(ctx, p, req, res, url, started, d, fault, viewer, false);
}

/**
 * The file's hit and the response headers, then the body at once when it can go so
 * (sendBodyNow); null when the body is still to send.
 */
function startBody(
  ctx: ContentContext,
  res: ServerResponse,
  d: BodyDecision,
  fault: ContentFaultPlan,
  nowMs: number,
): Sent | null {
  ctx.store.recordHit(d.file.id, nowMs);
  res.writeHead(d.status, d.headers);
  return sendBodyNow(ctx, res, d, fault);
}

/**
 * A body that waits for something (the file check, the engine, a thread): counted in flight
 * for its file from before the check until it is done, so eviction waits for it.
 */
async function sendCounted(
  ctx: ContentContext,
  p: Prepared,
  req: IncomingMessage,
  res: ServerResponse,
  url: RequestTarget,
  started: number,
  d: BodyDecision,
  fault: ContentFaultPlan,
  viewer: boolean,
  /** the file was found good a moment ago and startBody has run */
  headersOut: boolean,
): Promise<void> {
  const file = d.file;
  const fileId = file.id;
  ctx.traffic?.begin(fileId);
  try {
    let sent: Sent | null = null;
    if (!headersOut) {
      const nowMs = Date.now();
      const problem = await p.fileCheck.problem(file.path, file.size, nowMs);
      if (problem) {
        unreadable(ctx, file, problem);
        sendError(res, Errors.FILE_UNREADABLE, { head: false, headers: CORS_HEADERS });
        finish(ctx, req, url, started, Errors.FILE_UNREADABLE.status, 0, fileId, undefined, problem);
        return;
      }
      sent = startBody(ctx, res, d, fault, nowMs);
    }
    done(ctx, req, url, started, d, sent ?? (await sendBody(ctx, p, req, res, d, fault)), viewer);
  } finally {
    ctx.traffic?.end(fileId);
  }
}

/** The bytes served to a viewer, then the metrics, tally and access-log line. */
function done(
  ctx: ContentContext,
  req: IncomingMessage,
  url: RequestTarget,
  started: number,
  d: BodyDecision,
  sent: Sent,
  viewer: boolean,
): void {
  if (viewer) ctx.traffic?.addServed(d.file.id, sent.bytes);
  finish(ctx, req, url, started, d.status, sent.bytes, d.file.id, sent.path, sent.outcome);
}

type BodyDecision = Extract<Decision, { kind: 'body' }>;

interface Sent {
  bytes: number;
  path: string;
  outcome: string | undefined;
}

/**
 * The body sent at once, without a wait, when the sender can (a small cached body,
 * sendfile/small-body.ts); null, with nothing written, when it goes through sendBody.
 * Both run after the headers are set.
 */
function sendBodyNow(
  ctx: ContentContext,
  res: ServerResponse,
  d: BodyDecision,
  fault: ContentFaultPlan,
): Sent | null {
  if (fault.fail === 'reset' || !ctx.sender.sendNow) return null;
  const outcome = ctx.sender.sendNow(res, d.file.path, d.parts);
  if (!outcome) return null;
  ctx.metrics.countBytesSent(outcome.path, outcome.bytes);
  return { bytes: outcome.bytes, path: outcome.path, outcome: 'ok' };
}

async function sendBody(
  ctx: ContentContext,
  p: Prepared,
  req: IncomingMessage,
  res: ServerResponse,
  d: BodyDecision,
  fault: ContentFaultPlan,
): Promise<Sent> {
  if (fault.fail === 'reset') return sendHalfThenReset(ctx, req, res, d.file.path, d.parts);
  const outcome = await ctx.sender.send(res, d.file.path, d.parts);
  ctx.metrics.countBytesSent(outcome.path, outcome.bytes);
  if (!outcome.ok) {
    ctx.metrics.transferFailures.inc({ path: outcome.path, reason: outcome.error ?? 'unknown' });
    if (outcome.error && FILE_FAULTS.has(outcome.error)) {
      p.fileCheck.forget(d.file.path);
      unreadable(ctx, d.file, outcome.error);
    }
  }
  return { bytes: outcome.bytes, path: outcome.path, outcome: outcome.ok ? 'ok' : outcome.error };
}

/**
 * The errors fault's reset mode: the headers and the first half of the body go out as usual,
 * then the connection is reset (RST), as a crashing server or a broken middlebox would.
 */
async function sendHalfThenReset(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  parts: Parameters<BodySender['send']>[2],
): Promise<Sent> {
  const socket = req.socket;
  const half = truncateParts(parts, Math.floor(partsLength(parts) / 2));
  const outcome = await ctx.sender.send(res, path, half);
  ctx.metrics.countBytesSent(outcome.path, outcome.bytes);
  if (!socket.destroyed) {
    await waitFlushed(socket, RESET_FLUSH_MS);
    if (await pauseUnlessClosed(socket, RESET_LINGER_MS)) socket.resetAndDestroy();
  }
  return { bytes: outcome.bytes, path: outcome.path, outcome: 'chaos-reset' };
}

function unreadable(ctx: ContentContext, file: StoredFile, reason: string): void {
  ctx.metrics.fileReadErrors.inc({ disk: file.disk });
  ctx.store.markUnreadable(file.id, reason);
}
