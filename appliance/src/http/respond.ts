// The one place where catalogue errors become HTTP responses:
// { "error": code, "message": text } for GET, headers only for HEAD.
import type { ServerResponse } from 'node:http';
import type { ErrorSpec } from '../errors.js';

export function sendError(
  res: ServerResponse,
  spec: ErrorSpec,
  opts: { head?: boolean; headers?: Readonly<Record<string, string | number>>; detail?: string } = {},
): void {
  const body = JSON.stringify({
    error: spec.code,
    message: opts.detail ? `${spec.message}: ${opts.detail}` : spec.message,
  });
  res.writeHead(spec.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...opts.headers,
  });
  res.end(opts.head ? undefined : body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, head = false): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(head ? undefined : body);
}
