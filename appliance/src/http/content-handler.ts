// GET|HEAD /v1/c/{fileId}[/range/{first}-{last}]: decide the response (decide.ts), check
// the file can be read (file-check.ts), then write it: errors through respond.ts, bodies
// through the body sender, one access-log line and the metrics for every response.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KeyRing } from '@ferry/protocol';
import { Errors } from '../errors.js';
import type { AccessLog } from '../ops/logger.js';
import type { ApplianceMetrics } from '../ops/metrics.js';
import { type BodySender, SendErrorCodes } from '../sendfile/body-sender.js';
import type { ContentStore } from '../store/store.js';
import type { StoredFile } from '../store/types.js';
import { decideContentResponse } from './decide.js';
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
}

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

  if (d.kind === 'error') {
    sendError(res, d.error, { head, headers: d.headers });
    log(d.error.status, 0, d.fileId);
    return;
  }
  const hasBody = !head && d.parts.length > 0;
  if (hasBody) {
    const problem = await fileProblem(d.file.path, d.file.size);
    if (problem) {
      unreadable(ctx, d.file, problem);
      sendError(res, Errors.FILE_UNREADABLE, { head });
      log(Errors.FILE_UNREADABLE.status, 0, d.file.id, undefined, problem);
      return;
    }
  }
  ctx.store.recordHit(d.file.id);
  res.writeHead(d.status, d.headers);
  if (!hasBody) {
    res.end();
    log(d.status, 0, d.file.id);
    return;
  }
  const outcome = await ctx.sender.send(res, d.file.path, d.parts);
  ctx.metrics.bytesSent.inc({ path: outcome.path }, outcome.bytes);
  if (!outcome.ok) {
    ctx.metrics.transferFailures.inc({ path: outcome.path, reason: outcome.error ?? 'unknown' });
    if (outcome.error && FILE_FAULTS.has(outcome.error)) unreadable(ctx, d.file, outcome.error);
  }
  log(d.status, outcome.bytes, d.file.id, outcome.path, outcome.ok ? 'ok' : outcome.error);
}

function unreadable(ctx: ContentContext, file: StoredFile, reason: string): void {
  ctx.metrics.fileReadErrors.inc({ disk: file.disk });
  ctx.store.markUnreadable(file.id, reason);
}
