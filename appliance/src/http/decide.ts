// Chooses the response to a content request: status, headers and body parts, or a
// catalogue error. No I/O: the store lookup is an in-memory call passed in, so this runs
// the same in tests as in the server.
import { type KeyRing, TokenVerifier } from '@ferry/protocol';
import { type ErrorSpec, Errors } from '../errors.js';
import type { BodyPart } from '../sendfile/body-sender.js';
import type { StoredFile } from '../store/types.js';
import { evaluatePreconditions, ifRangeAllowsRange, type RequestHeaders, strongEtag } from './conditional.js';
import { CORS_ALLOW_ORIGIN, CORS_EXPOSE_HEADERS } from './cors.js';
import { formatHttpDate } from './http-date.js';
import { buildMultipart } from './multipart.js';
import { parseContentPath } from './path.js';
import { type ByteRange, contentRange, parseRange, unsatisfiedRange } from './range.js';
import type { RequestTarget } from './target.js';

export const CONTENT_TYPE = 'application/octet-stream';

export interface DecideContext {
  lookup(id: string): StoredFile | undefined;
  keys: KeyRing | null;
  maxRanges: number;
  nowMs: number;
  /** The appliance has lost control for longer than its grace period (agent/agent.ts). */
  isolated: boolean;
}

export interface ContentRequest {
  method: string;
  headers: RequestHeaders;
  target: RequestTarget;
  clientAddress: string | undefined;
}

export type Decision =
  | { kind: 'error'; error: ErrorSpec; fileId?: string; headers?: Record<string, string> }
  | {
      kind: 'body';
      status: 200 | 206 | 304;
      file: StoredFile;
      /** name, value, name, value…: res.writeHead takes the flat list without walking an object */
      headers: (string | number)[];
      parts: BodyPart[];
    };

/** A file's ETag and Last-Modified, made once per stored file rather than per request. */
interface FileValidators {
  etag: string;
  lastModified: string;
}
const validatorsOf = new WeakMap<StoredFile, FileValidators>();

function validators(file: StoredFile): FileValidators {
  let v = validatorsOf.get(file);
  if (!v) {
    v = { etag: strongEtag(file.sha256), lastModified: formatHttpDate(file.mtimeMs) };
    validatorsOf.set(file, v);
  }
  return v;
}

const tokenErrors: Record<string, ErrorSpec> = {
  MALFORMED: Errors.TOKEN_MALFORMED,
  UNKNOWN_KEY: Errors.TOKEN_UNKNOWN_KEY,
  EXPIRED: Errors.TOKEN_EXPIRED,
  BAD_SIGNATURE: Errors.TOKEN_BAD_SIGNATURE,
  WRONG_NETWORK: Errors.TOKEN_WRONG_NETWORK,
};

// Verified tokens, remembered (bounded) for the next segment of the same URL (token.ts).
const tokens = new TokenVerifier();

function checkToken(ctx: DecideContext, req: ContentRequest, fileId: string): ErrorSpec | undefined {
  if (!ctx.keys) return undefined;
  const token = req.target.query.get('t');
  if (!token) return Errors.TOKEN_MISSING;
  const verdict = tokens.verify(token, {
    keys: ctx.keys,
    fileId,
    clientPrefix: req.target.query.get('p') ?? '',
    clientAddress: req.clientAddress,
    nowSec: Math.floor(ctx.nowMs / 1000),
  });
  return verdict.ok ? undefined : (tokenErrors[verdict.reason] ?? Errors.TOKEN_MALFORMED);
}

/** The ranges to send: null for the whole representation, or 'unsatisfiable'. */
function chooseRanges(
  ctx: DecideContext,
  req: ContentRequest,
  file: StoredFile,
  etag: string,
  pathRange: ByteRange | undefined,
): ByteRange[] | null | 'unsatisfiable' {
  if (pathRange) {
    // The path form names one range explicitly; it is not subject to If-Range.
    if (pathRange.start >= file.size) return 'unsatisfiable';
    return [{ start: pathRange.start, end: Math.min(pathRange.end, file.size - 1) }];
  }
  const range = req.headers.range;
  if (typeof range !== 'string') return null;
  const ifRange = req.headers['if-range'];
  // RFC 9110 §13.1.5: a Range whose If-Range validator does not match is ignored (200).
  if (
    ifRange !== undefined &&
    !ifRangeAllowsRange(ifRange, { etag, lastModifiedMs: file.mtimeMs, dateMs: ctx.nowMs })
  ) {
    return null;
  }
  const parsed = parseRange(range, file.size, { maxRanges: ctx.maxRanges });
  if (parsed.kind === 'unsatisfiable') return 'unsatisfiable';
  return parsed.kind === 'ranges' ? parsed.ranges : null;
}

export function decideContentResponse(ctx: DecideContext, req: ContentRequest): Decision {
  const target = parseContentPath(req.target.pathname);
  if (target.kind === 'error') return { kind: 'error', error: Errors[target.error] };
  const { fileId } = target;

  const tokenError = checkToken(ctx, req, fileId);
  if (tokenError) return { kind: 'error', error: tokenError, fileId };
  // Isolated, the appliance serves what control demonstrably issued: a URL whose token it
  // has just verified stays good until its expiry, as control meant. Without tokens
  // (--open) nothing shows control sent the viewer here, so nothing is served
  // (docs/appliance.md, "Isolation").
  if (ctx.isolated && !ctx.keys) {
    return { kind: 'error', error: Errors.ISOLATED, fileId, headers: { 'Retry-After': '5' } };
  }

  const file = ctx.lookup(fileId);
  if (!file) return { kind: 'error', error: Errors.FILE_NOT_HELD, fileId };
  if (file.missing) return { kind: 'error', error: Errors.FILE_ON_FAILED_DISK, fileId };
  if (file.unreadable) return { kind: 'error', error: Errors.FILE_UNREADABLE, fileId };

  const v = validators(file);
  const etag = v.etag;
  const headers: (string | number)[] = [
    'Access-Control-Allow-Origin',
    CORS_ALLOW_ORIGIN,
    'Access-Control-Expose-Headers',
    CORS_EXPOSE_HEADERS,
    'Accept-Ranges',
    'bytes',
    'ETag',
    etag,
    'Last-Modified',
    v.lastModified,
  ];

  const pre = evaluatePreconditions(req.headers, { etag, lastModifiedMs: file.mtimeMs, method: req.method });
  if (pre.status === 412) return { kind: 'error', error: Errors.PRECONDITION_FAILED, fileId };
  if (pre.status === 304) return { kind: 'body', status: 304, file, headers, parts: [] };

  const ranges = chooseRanges(ctx, req, file, etag, target.pathRange);
  if (ranges === 'unsatisfiable') {
    return {
      kind: 'error',
      error: Errors.RANGE_NOT_SATISFIABLE,
      fileId,
      headers: { 'Content-Range': unsatisfiedRange(file.size) },
    };
  }
  if (ranges === null) {
    headers.push('Content-Type', CONTENT_TYPE, 'Content-Length', file.size);
    const parts: BodyPart[] = file.size > 0 ? [{ kind: 'file', offset: 0, length: file.size }] : [];
    return { kind: 'body', status: 200, file, headers, parts };
  }
  if (ranges.length === 1) {
    const r = ranges[0]!;
    headers.push(
      'Content-Type',
      CONTENT_TYPE,
      'Content-Range',
      contentRange(r, file.size),
      'Content-Length',
      r.end - r.start + 1,
    );
    return {
      kind: 'body',
      status: 206,
      file,
      headers,
      parts: [{ kind: 'file', offset: r.start, length: r.end - r.start + 1 }],
    };
  }
  const mp = buildMultipart(ranges, { size: file.size, contentType: CONTENT_TYPE });
  headers.push('Content-Type', mp.contentType, 'Content-Length', mp.contentLength);
  return { kind: 'body', status: 206, file, headers, parts: mp.parts };
}
