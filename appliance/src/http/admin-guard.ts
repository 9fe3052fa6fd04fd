// Admin writes must not be reachable from a web page. A browser sends a cross-site
// "simple request" (Fetch standard: CORS-safelisted method and content types
// text/plain, application/x-www-form-urlencoded, multipart/form-data) without a preflight,
// even in mode 'no-cors', so POST /v1/drain with a text/plain body would reach the
// appliance from any viewer's browser. Requiring application/json forces a preflight the
// admin listener never answers, and every browser-initiated cross-origin POST carries
// Origin, which scripts and operators' tools (curl, control) do not send.
import type { IncomingHttpHeaders } from 'node:http';
import { type ErrorSpec, Errors } from '../errors.js';

export function checkAdminWrite(headers: IncomingHttpHeaders): ErrorSpec | undefined {
  if (headers.origin !== undefined) return Errors.ADMIN_ORIGIN;
  const type = headers['content-type'];
  // RFC 9110 §8.3.1: the media type is case-insensitive; parameters (charset) may follow.
  const media = type?.split(';', 1)[0]?.trim().toLowerCase();
  if (media !== 'application/json') return Errors.ADMIN_CONTENT_TYPE;
  return undefined;
}
