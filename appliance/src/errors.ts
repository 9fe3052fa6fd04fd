// The appliance's error catalogues: every failure a client or operator can see has one
// stable code, a message and an HTTP status. HTTP bodies are built from `Errors` in one
// place (http/respond.ts) as { "error": code, "message": text }. The store, the body
// senders and BGP keep theirs in their own folders (store/errors.ts, sendfile/errors.ts,
// bgp/errors.ts).
import { CommonErrors, defineErrors, FerryError, spec } from '@ferry/protocol';

export { type ErrorSpec, FerryError } from '@ferry/protocol';

export const Errors = defineErrors('appliance-http', {
  // Request shape
  BAD_PATH: spec('FERRY_ERR_BAD_PATH', 400, 'malformed request path'),
  BAD_FILE_ID: spec(
    'FERRY_ERR_BAD_FILE_ID',
    400,
    'file id must be 1-128 characters of [A-Za-z0-9._-], not starting with a dot',
  ),
  BAD_RANGE_PATH: spec(
    'FERRY_ERR_BAD_RANGE_PATH',
    400,
    'range in path must be FIRST-LAST with FIRST <= LAST',
  ),
  BAD_QUERY: spec('FERRY_ERR_BAD_QUERY', 400, 'malformed query'),
  METHOD_NOT_ALLOWED: spec('FERRY_ERR_METHOD_NOT_ALLOWED', 405, 'method not allowed'),
  NOT_FOUND: CommonErrors.NOT_FOUND,
  BAD_REQUEST: CommonErrors.BAD_REQUEST,
  REQUEST_TIMEOUT: spec('FERRY_ERR_REQUEST_TIMEOUT', 408, 'request headers did not arrive in time'),
  HEADERS_TOO_LARGE: spec('FERRY_ERR_HEADERS_TOO_LARGE', 431, 'request headers too large'),
  BAD_HOST: spec(
    'FERRY_ERR_BAD_HOST',
    400,
    'an HTTP/1.1 request needs exactly one Host header (RFC 9112 section 3.2)',
  ),
  HTTP_VERSION_NOT_SUPPORTED: spec(
    'FERRY_ERR_HTTP_VERSION_NOT_SUPPORTED',
    505,
    'only HTTP/1.x is served on this port',
  ),
  // Tokens
  TOKEN_MISSING: spec('FERRY_ERR_TOKEN_MISSING', 403, 'a URL token (?t=) is required'),
  TOKEN_MALFORMED: spec('FERRY_ERR_TOKEN_MALFORMED', 403, 'URL token is malformed'),
  TOKEN_UNKNOWN_KEY: spec('FERRY_ERR_TOKEN_UNKNOWN_KEY', 403, 'URL token was signed with an unknown key'),
  TOKEN_EXPIRED: spec('FERRY_ERR_TOKEN_EXPIRED', 403, 'URL token has expired'),
  TOKEN_BAD_SIGNATURE: spec(
    'FERRY_ERR_TOKEN_BAD_SIGNATURE',
    403,
    'URL token does not match this file and network',
  ),
  TOKEN_WRONG_NETWORK: spec(
    'FERRY_ERR_TOKEN_WRONG_NETWORK',
    403,
    'client address is outside the network the URL was issued for',
  ),
  // Content
  FILE_NOT_HELD: spec('FERRY_ERR_FILE_NOT_HELD', 404, 'file is not held by this appliance'),
  FILE_ON_FAILED_DISK: spec('FERRY_ERR_FILE_ON_FAILED_DISK', 404, 'file is on a failed disk'),
  RANGE_NOT_SATISFIABLE: spec('FERRY_ERR_RANGE_NOT_SATISFIABLE', 416, 'range not satisfiable'),
  PRECONDITION_FAILED: spec(
    'FERRY_ERR_PRECONDITION_FAILED',
    412,
    'precondition failed (If-Match / If-Unmodified-Since)',
  ),
  FILE_UNREADABLE: spec(
    'FERRY_ERR_FILE_UNREADABLE',
    500,
    'file cannot be read on this appliance; it has left the inventory',
  ),
  // Service state
  ISOLATED: spec(
    'FERRY_ERR_ISOLATED',
    503,
    'appliance has lost contact with control and serves only URLs control signed',
  ),
  DRAINING: spec('FERRY_ERR_DRAINING', 503, 'appliance is draining and takes no new requests'),
  // Chaos (docs/appliance.md, "Chaos"): an experiment control runs on this appliance.
  CHAOS_INJECTED: spec('FERRY_ERR_CHAOS_INJECTED', 503, 'failure injected by a chaos experiment'),
  // Admin listener writes (drain, undrain): never reachable by a browser's simple request.
  ADMIN_CONTENT_TYPE: spec(
    'FERRY_ERR_ADMIN_CONTENT_TYPE',
    415,
    'admin writes need content-type: application/json',
  ),
  ADMIN_ORIGIN: spec(
    'FERRY_ERR_ADMIN_ORIGIN',
    403,
    'admin writes are refused from a browser (Origin header)',
  ),
  EXITING: spec('FERRY_ERR_EXITING', 409, 'appliance is shutting down; it cannot be undrained'),
  INTERNAL: CommonErrors.INTERNAL,
});

export type ErrorName = keyof typeof Errors;

/** `ferry appliance` flags, checked at start (config.ts, cli.ts): operator-facing. */
export const ConfigErrors = defineErrors('appliance-config', {
  CONFIG: CommonErrors.CONFIG,
});

/** A bad or missing flag; the message names it, so it replaces the catalogue's. */
export function configError(message: string): FerryError {
  return new FerryError(ConfigErrors.CONFIG, message, { replaceMessage: true });
}

/**
 * `ferry content generate --media` (media/): encoding real video with ffmpeg and reading
 * back the fragmented MP4 it wrote. Operator-facing, like the store's catalogue.
 */
export const MediaErrors = defineErrors('appliance-media', {
  FFMPEG_MISSING: spec(
    'FERRY_ERR_MEDIA_FFMPEG_MISSING',
    500,
    'ffmpeg was not found; install it with scripts/install-system-deps.sh (Debian package ffmpeg)',
  ),
  FFMPEG_FAILED: spec('FERRY_ERR_MEDIA_FFMPEG_FAILED', 500, 'ffmpeg failed to encode a rung'),
  BAD_MP4: spec('FERRY_ERR_MEDIA_BAD_MP4', 500, 'file is not the fragmented MP4 (CMAF) expected'),
  BAD_OPTION: spec('FERRY_ERR_MEDIA_BAD_OPTION', 500, 'bad real-media option'),
});
