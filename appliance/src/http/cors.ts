// CORS for content URLs (`/v1/c/…`, docs/http-semantics.md): a player on a page of any
// origin (hls.js, dash.js) fetches segments with fetch/XHR, so every answer, errors
// included, allows any origin and exposes the headers a player reads from a range answer.
// The URLs carry their own credential (the token), never cookies, so `*` gives nothing away.
// Constant objects built once: the hot path adds their keys, it builds no strings.
import type { ServerResponse } from 'node:http';

export const CORS_ALLOW_ORIGIN = '*';
/** A range answer's headers that a cross-origin script may read. */
export const CORS_EXPOSE_HEADERS = 'Content-Range, Content-Length, Accept-Ranges, ETag, Last-Modified';

export const CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Access-Control-Allow-Origin': CORS_ALLOW_ORIGIN,
  'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS,
});

/** What an error answer on a content path carries beyond the error's own headers. */
export const CORS_METHOD_NOT_ALLOWED: Readonly<Record<string, string>> = Object.freeze({
  ...CORS_HEADERS,
  Allow: 'GET, HEAD, OPTIONS',
});

// A preflight is cached by the browser for Max-Age seconds (Chromium caps it at 2 hours):
// one per player session, not one per segment.
const PREFLIGHT: Readonly<Record<string, string>> = Object.freeze({
  ...CORS_HEADERS,
  'Access-Control-Allow-Methods': 'GET, HEAD',
  'Access-Control-Allow-Headers': 'Range, If-Range, If-None-Match, If-Modified-Since',
  'Access-Control-Max-Age': '7200',
  'Cache-Control': 'no-store',
  'Content-Length': '0',
});

/** OPTIONS on a content path: 204 with what a cross-origin GET/HEAD with Range may send. */
export function sendPreflight(res: ServerResponse): void {
  res.writeHead(204, PREFLIGHT);
  res.end();
}

/** The error's own headers with CORS added (errors are off the hot path: a copy is fine). */
export function withCors(
  headers: Readonly<Record<string, string | number>> | undefined,
): Record<string, string | number> {
  return headers ? { ...CORS_HEADERS, ...headers } : CORS_HEADERS;
}
