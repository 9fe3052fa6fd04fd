// GET|HEAD /v1/c/{fileId}[/range/{first}-{last}]: choose the response (status, headers,
// body parts) and hand the body to the body sender. Parsing and range semantics live in
// path.ts, range.ts, conditional.ts and multipart.ts; this file only decides.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { verifyToken, type KeyRing } from '@ferry/protocol';
import { Errors, type ErrorSpec } from '../errors.js';
import type { AccessLog } from '../ops/logger.js';
import type { ApplianceMetrics } from '../ops/metrics.js';
import type { BodyPart, BodySender } from '../sendfile/body-sender.js';
import type { ContentStore } from '../store/store.js';
import { evaluatePreconditions, ifRangeAllowsRange, strongEtag } from './conditional.js';
import { formatHttpDate } from './http-date.js';
import { buildMultipart } from './multipart.js';
import { parseContentPath } from './path.js';
import { type ByteRange, contentRange, parseRange, unsatisfiedRange } from './range.js';
import { sendError } from './respond.js';
import type { RequestTarget } from './target.js';

export interface ContentContext {
  store: ContentStore;
  sender: BodySender;
  /** null when the appliance runs with --open */
  keys: KeyRing | null;
  maxRanges: number;
  metrics: ApplianceMetrics;
  accessLog: AccessLog;
}

const CONTENT_TYPE = 'application/octet-stream';

const tokenErrors: Record<string, ErrorSpec> = {
  MALFORMED: Errors.TOKEN_MALFORMED,
  UNKNOWN_KEY: Errors.TOKEN_UNKNOWN_KEY,
  EXPIRED: Errors.TOKEN_EXPIRED,
  BAD_SIGNATURE: Errors.TOKEN_BAD_SIGNATURE,
  WRONG_NETWORK: Errors.TOKEN_WRONG_NETWORK,
};

export function handleContent(ctx: ContentContext, req: IncomingMessage, res: ServerResponse, url: RequestTarget): void {
  const started = performance.now();
  const head = req.method === 'HEAD';
  const log = (status: number, bytes: number, extra: { fileId?: string; bodyPath?: string; outcome?: string }) => {
    ctx.metrics.responses.inc({ status: String(status) });
    ctx.accessLog.write({
      method: req.method ?? '',
      path: url.pathname,
      status,
      bytes,
      range: req.headers.range,
      client: req.socket.remoteAddress,
      ms: Math.round((performance.now() - started) * 1000) / 1000,
      ...extra,
    });
  };
  const fail = (spec: ErrorSpec, fileId?: string, headers?: Record<string, string | number>) => {
    sendError(res, spec, { head, headers });
    log(spec.status, 0, { fileId });
  };

  const target = parseContentPath(url.pathname);
  if (target.kind === 'error') return fail(Errors[target.error]);
  const { fileId } = target;

  if (ctx.keys) {
    const token = url.query.get('t');
    if (!token) return fail(Errors.TOKEN_MISSING, fileId);
    const verdict = verifyToken(token, {
      keys: ctx.keys,
      fileId,
      clientPrefix: url.query.get('p') ?? '',
      clientAddress: req.socket.remoteAddress,
      nowSec: Math.floor(Date.now() / 1000),
    });
    if (!verdict.ok) return fail(tokenErrors[verdict.reason] ?? Errors.TOKEN_MALFORMED, fileId);
  }

  const file = ctx.store.lookup(fileId);
  if (!file) return fail(Errors.FILE_NOT_HELD, fileId);
  if (file.missing) return fail(Errors.FILE_ON_FAILED_DISK, fileId);
  ctx.store.recordHit(fileId);

  const etag = strongEtag(file.sha256);
  const nowMs = Date.now();
  const lastModified = formatHttpDate(file.mtimeMs);
  const validators: Record<string, string> = {
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Last-Modified': lastModified,
  };

  const pre = evaluatePreconditions(req.headers, {
    etag,
    lastModifiedMs: file.mtimeMs,
    method: req.method ?? 'GET',
  });
  if (pre.status === 304) {
    res.writeHead(304, validators);
    res.end();
    return log(304, 0, { fileId });
  }
  if (pre.status === 412) return fail(Errors.PRECONDITION_FAILED, fileId);

  let ranges: ByteRange[] | null = null;
  if (target.pathRange) {
    // The path form names one range explicitly; it is not subject to If-Range.
    const { start } = target.pathRange;
    if (start >= file.size) {
      return fail(Errors.RANGE_NOT_SATISFIABLE, fileId, { 'Content-Range': unsatisfiedRange(file.size) });
    }
    ranges = [{ start, end: Math.min(target.pathRange.end, file.size - 1) }];
  } else if (req.headers.range !== undefined) {
    const ifRange = req.headers['if-range'];
    const rangeApplies =
      ifRange === undefined || ifRangeAllowsRange(ifRange, { etag, lastModifiedMs: file.mtimeMs, dateMs: nowMs });
    if (rangeApplies) {
      const parsed = parseRange(req.headers.range, file.size, { maxRanges: ctx.maxRanges });
      if (parsed.kind === 'unsatisfiable') {
        return fail(Errors.RANGE_NOT_SATISFIABLE, fileId, { 'Content-Range': unsatisfiedRange(file.size) });
      }
      if (parsed.kind === 'ranges') ranges = parsed.ranges;
    }
  }

  let status = 200;
  let parts: BodyPart[];
  const headers: Record<string, string | number> = { ...validators };
  if (ranges === null) {
    headers['Content-Type'] = CONTENT_TYPE;
    headers['Content-Length'] = file.size;
    parts = file.size > 0 ? [{ kind: 'file', offset: 0, length: file.size }] : [];
  } else if (ranges.length === 1) {
    const r = ranges[0]!;
    status = 206;
    headers['Content-Type'] = CONTENT_TYPE;
    headers['Content-Range'] = contentRange(r, file.size);
    headers['Content-Length'] = r.end - r.start + 1;
    parts = [{ kind: 'file', offset: r.start, length: r.end - r.start + 1 }];
  } else {
    status = 206;
    const mp = buildMultipart(ranges, { size: file.size, contentType: CONTENT_TYPE });
    headers['Content-Type'] = mp.contentType;
    headers['Content-Length'] = mp.contentLength;
    parts = mp.parts;
  }

  res.writeHead(status, headers);
  if (head || parts.length === 0) {
    res.end();
    return log(status, 0, { fileId });
  }
  void ctx.sender.send(res, file.path, parts).then((outcome) => {
    ctx.metrics.bytesSent.inc({ path: outcome.path }, outcome.bytes);
    if (!outcome.ok) ctx.metrics.transferFailures.inc({ path: outcome.path, reason: outcome.error ?? 'unknown' });
    log(status, outcome.bytes, { fileId, bodyPath: outcome.path, outcome: outcome.ok ? 'ok' : outcome.error });
  });
}
