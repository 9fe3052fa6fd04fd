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
import { FILL_REQUEST_HEADER, type FileTraffic } from '../ops/file-traffic.js';
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
import { fileProblem } from './file-check.js';
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

export async function handleContent(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: RequestTarget,
): Promise<void> {
  const started = performance.now();
  const head = req.method === 'HEAD';
  const log = (status: number, bytes: number, fileId?: string, bodyPath?: string, outcome?: string) => {
    ctx.metrics.responses.inc({ status: String(status) });
    ctx.tally.record(status, outcome === undefined || outcome === 'ok');
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
  };

  const fault = ctx.faults?.plan() ?? NO_FAULT;
  if (fault.delayMs > 0) await sleep(fault.delayMs);
  if (fault.fail === '503') {
    sendError(res, Errors.CHAOS_INJECTED, { head, headers: CORS_HEADERS });
    log(Errors.CHAOS_INJECTED.status, 0, undefined, undefined, 'chaos-503');
    return;
  }

  const d = decideContentResponse(
    {
      lookup: (id) => ctx.store.lookup(id),
      keys: ctx.keys(),
      maxRanges: ctx.maxRanges,
      nowMs: Date.now(),
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
    if (d.kind === 'error') log(d.error.status, 0, d.fileId, undefined, 'chaos-reset');
    else log(d.status, 0, d.file.id, undefined, 'chaos-reset');
    return;
  }
  if (d.kind === 'error') {
    sendError(res, d.error, { head, headers: withCors(d.headers) });
    log(d.error.status, 0, d.fileId);
    return;
  }
  if (!hasBody) {
    ctx.store.recordHit(d.file.id);
    res.writeHead(d.status, d.headers);
    res.end();
    log(d.status, 0, d.file.id);
    return;
  }
  // Counted from before the file is opened until the body is done: eviction waits for it.
  const fileId = d.file.id;
  // A peer filling its store is not a viewer: its bytes are not demand (fill/http-source.ts).
  const viewer = req.headers[FILL_REQUEST_HEADER] === undefined;
  ctx.traffic?.begin(fileId);
  try {
    await sendBody(ctx, req, res, d, fault, (status, bytes, path, outcome) => {
      if (viewer) ctx.traffic?.addServed(fileId, bytes);
      log(status, bytes, fileId, path, outcome);
    });
  } finally {
    ctx.traffic?.end(fileId);
  }
}

type BodyDecision = Extract<Decision, { kind: 'body' }>;

async function sendBody(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  d: BodyDecision,
  fault: ContentFaultPlan,
  log: (status: number, bytes: number, path?: string, outcome?: string) => void,
): Promise<void> {
  const problem = await fileProblem(d.file.path, d.file.size);
  if (problem) {
    unreadable(ctx, d.file, problem);
    sendError(res, Errors.FILE_UNREADABLE, { head: false, headers: CORS_HEADERS });
    log(Errors.FILE_UNREADABLE.status, 0, undefined, problem);
    return;
  }
  ctx.store.recordHit(d.file.id);
  res.writeHead(d.status, d.headers);
  if (fault.fail === 'reset') {
    await sendHalfThenReset(ctx, req, res, d.file.path, d.parts, (bytes, path) =>
      log(d.status, bytes, path, 'chaos-reset'),
    );
    return;
  }
  const outcome = await ctx.sender.send(res, d.file.path, d.parts);
  ctx.metrics.bytesSent.inc({ path: outcome.path }, outcome.bytes);
  if (!outcome.ok) {
    ctx.metrics.transferFailures.inc({ path: outcome.path, reason: outcome.error ?? 'unknown' });
    if (outcome.error && FILE_FAULTS.has(outcome.error)) unreadable(ctx, d.file, outcome.error);
  }
  log(d.status, outcome.bytes, outcome.path, outcome.ok ? 'ok' : outcome.error);
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
  log: (bytes: number, path: string) => void,
): Promise<void> {
  const socket = req.socket;
  const half = truncateParts(parts, Math.floor(partsLength(parts) / 2));
  const outcome = await ctx.sender.send(res, path, half);
  ctx.metrics.bytesSent.inc({ path: outcome.path }, outcome.bytes);
  if (!socket.destroyed) {
    await waitFlushed(socket, RESET_FLUSH_MS);
    if (await pauseUnlessClosed(socket, RESET_LINGER_MS)) socket.resetAndDestroy();
  }
  log(outcome.bytes, outcome.path);
}

function unreadable(ctx: ContentContext, file: StoredFile, reason: string): void {
  ctx.metrics.fileReadErrors.inc({ disk: file.disk });
  ctx.store.markUnreadable(file.id, reason);
}
