// GET|HEAD /v1/c/{fileId}[/range/{first}-{last}]: decide the response (decide.ts), then
// write it: errors through respond.ts, bodies through the body sender, one access-log
// line and the metrics for every response.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KeyRing } from '@ferry/protocol';
import type { AccessLog } from '../ops/logger.js';
import type { ApplianceMetrics } from '../ops/metrics.js';
import type { BodySender } from '../sendfile/body-sender.js';
import type { ContentStore } from '../store/store.js';
import { decideContentResponse } from './decide.js';
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

export function handleContent(
  ctx: ContentContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: RequestTarget,
): void {
  const started = performance.now();
  const head = req.method === 'HEAD';
  const log = (status: number, bytes: number, fileId?: string, bodyPath?: string, outcome?: string) => {
    ctx.metrics.responses.inc({ status: String(status) });
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

  const d = decideContentResponse(
    {
      lookup: (id) => ctx.store.lookup(id),
      keys: ctx.keys,
      maxRanges: ctx.maxRanges,
      nowMs: Date.now(),
    },
    {
      method: req.method ?? 'GET',
      headers: req.headers,
      target: url,
      clientAddress: req.socket.remoteAddress,
    },
  );

  if (d.kind === 'error') {
    sendError(res, d.error, { head, headers: d.headers });
    log(d.error.status, 0, d.fileId);
    return;
  }
  ctx.store.recordHit(d.file.id);
  res.writeHead(d.status, d.headers);
  if (head || d.parts.length === 0) {
    res.end();
    log(d.status, 0, d.file.id);
    return;
  }
  void ctx.sender.send(res, d.file.path, d.parts).then((outcome) => {
    ctx.metrics.bytesSent.inc({ path: outcome.path }, outcome.bytes);
    if (!outcome.ok)
      ctx.metrics.transferFailures.inc({ path: outcome.path, reason: outcome.error ?? 'unknown' });
    log(d.status, outcome.bytes, d.file.id, outcome.path, outcome.ok ? 'ok' : outcome.error);
  });
}
