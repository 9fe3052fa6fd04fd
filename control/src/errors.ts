// Control's error catalogue: every failure a client or operator can see has one stable
// code, a message and an HTTP status. HTTP bodies are built from this table in one place
// (server/error-handler.ts) as { "error": code, "message": text }.
import { CommonErrors, defineErrors, FerryError, spec } from '@ferry/protocol';

export { type ErrorSpec, FerryError } from '@ferry/protocol';

export const Errors = defineErrors('control', {
  // Request shape
  VALIDATION: spec('FERRY_ERR_VALIDATION', 400, 'request does not match the schema'),
  BAD_JSON: spec('FERRY_ERR_BAD_JSON', 400, 'request body is not valid JSON'),
  BAD_IP: spec('FERRY_ERR_BAD_IP', 400, 'not an IPv4 or IPv6 address'),
  BAD_REQUEST: CommonErrors.BAD_REQUEST,
  BODY_TOO_LARGE: spec('FERRY_ERR_BODY_TOO_LARGE', 413, 'request body too large'),
  UNSUPPORTED_MEDIA_TYPE: spec('FERRY_ERR_UNSUPPORTED_MEDIA_TYPE', 415, 'body must be application/json'),
  NOT_FOUND: CommonErrors.NOT_FOUND,
  // Registry and catalog
  UNKNOWN_APPLIANCE: spec('FERRY_ERR_UNKNOWN_APPLIANCE', 404, 'no such appliance'),
  UNKNOWN_TITLE: spec('FERRY_ERR_UNKNOWN_TITLE', 404, 'no such title'),
  UNKNOWN_SITE: spec('FERRY_ERR_UNKNOWN_SITE', 404, 'no appliance is registered in this site'),
  CATALOG_INVALID: spec('FERRY_ERR_CATALOG_INVALID', 400, 'catalog is invalid'),
  MAINTENANCE_INVALID: spec(
    'FERRY_ERR_MAINTENANCE_INVALID',
    400,
    'maintenance window must end after it starts, end in the future and last at most 7 days',
  ),
  // Heartbeats
  ROUTES_LIMIT: spec('FERRY_ERR_ROUTES_LIMIT', 413, 'routes exceed --max-routes-per-appliance'),
  UNKNOWN_IDENTITY: spec('FERRY_ERR_UNKNOWN_IDENTITY', 404, 'no appliance is enrolled with this id'),
  APPLIANCE_EXISTS: spec(
    'FERRY_ERR_APPLIANCE_EXISTS',
    409,
    'an appliance with this id is enrolled with another key (remove it first)',
  ),
  BAD_PUBLIC_KEY: spec('FERRY_ERR_BAD_PUBLIC_KEY', 400, 'publicKey is not a base64url Ed25519 public key'),
  // Appliance signatures (docs/security.md): 401 when the caller is not proven, 403 when it
  // is proven but asks for what its enrollment does not allow.
  AUTH_SIGNATURE_MISSING: spec('FERRY_ERR_AUTH_SIGNATURE_MISSING', 401, 'a signed request is required'),
  AUTH_SIGNATURE_MALFORMED: spec(
    'FERRY_ERR_AUTH_SIGNATURE_MALFORMED',
    401,
    'the Authorization header is not a Ferry-Sig signature',
  ),
  AUTH_UNKNOWN_SIGNER: spec('FERRY_ERR_AUTH_UNKNOWN_SIGNER', 401, 'the signer is not an enrolled appliance'),
  AUTH_CLOCK_SKEW: spec(
    'FERRY_ERR_AUTH_CLOCK_SKEW',
    401,
    "the signature's timestamp is too far from control's clock",
  ),
  AUTH_REPLAYED: spec('FERRY_ERR_AUTH_REPLAYED', 401, 'this signature was already used (replay)'),
  AUTH_BAD_SIGNATURE: spec('FERRY_ERR_AUTH_BAD_SIGNATURE', 401, 'the signature does not verify'),
  AUTH_WRONG_APPLIANCE: spec(
    'FERRY_ERR_AUTH_WRONG_APPLIANCE',
    403,
    'an appliance may heartbeat only for its own id',
  ),
  AUTH_DISABLED: spec('FERRY_ERR_AUTH_DISABLED', 403, 'this appliance is disabled'),
  AUTH_WRONG_SITE: spec('FERRY_ERR_AUTH_WRONG_SITE', 403, 'the heartbeat site is not the enrolled site'),
  AUTH_URL_NOT_ALLOWED: spec(
    'FERRY_ERR_AUTH_URL_NOT_ALLOWED',
    403,
    "the heartbeat url must be http(s) on the appliance's enrolled address",
  ),
  // Operator tokens
  AUTH_REQUIRED: spec(
    'FERRY_ERR_AUTH_REQUIRED',
    401,
    'an operator token is required (Authorization: Bearer)',
  ),
  AUTH_BAD_TOKEN: spec('FERRY_ERR_AUTH_BAD_TOKEN', 401, 'the operator token is not valid'),
  AUTH_FORBIDDEN: spec('FERRY_ERR_AUTH_FORBIDDEN', 403, "the operator token's role does not allow this"),
  // Dashboard sessions (docs/dashboard.md)
  AUTH_SESSION_ENDED: spec(
    'FERRY_ERR_AUTH_SESSION_ENDED',
    401,
    'the dashboard session has ended (logged out, idle for an hour, 12 hours old, or control restarted): log in again',
  ),
  AUTH_CSRF: spec(
    'FERRY_ERR_AUTH_CSRF',
    403,
    'a write with a dashboard session needs the X-Ferry-CSRF header of GET /ui/api/session',
  ),
  UI_STREAMS_FULL: spec('FERRY_ERR_UI_STREAMS_FULL', 503, 'too many dashboard live streams are open'),
  // Steering
  NO_APPLIANCE: spec('FERRY_ERR_NO_APPLIANCE', 503, 'no appliance can serve this title'),
  RATE_LIMITED: spec('FERRY_ERR_RATE_LIMITED', 429, 'too many steering requests from this address'),
  // Players' manifests (docs/players.md)
  NOT_MEDIA: spec(
    'FERRY_ERR_NOT_MEDIA',
    409,
    'this title is not real media: its video streams carry no codecs/initLength, so it has no HLS or DASH manifest',
  ),
  UNKNOWN_STREAM: spec('FERRY_ERR_UNKNOWN_STREAM', 404, 'no such video stream in this title'),
  NOT_A_PATHWAY: spec(
    'FERRY_ERR_NOT_A_PATHWAY',
    404,
    'control would not steer this client to this appliance for this stream',
  ),
  PLAYER_ORIGIN: spec(
    'FERRY_ERR_PLAYER_ORIGIN',
    400,
    "no origin for the manifest URLs: the Host header (or a trusted proxy's X-Forwarded-Host) is missing or not a host[:port]",
  ),
  // Chaos (docs/chaos.md)
  CHAOS_NOT_CONFIGURED: spec(
    'FERRY_ERR_CHAOS_NOT_CONFIGURED',
    503,
    'chaos is not configured: start control with --chaos-key',
  ),
  CHAOS_UNKNOWN_EXPERIMENT: spec('FERRY_ERR_CHAOS_UNKNOWN_EXPERIMENT', 404, 'no such chaos experiment'),
  CHAOS_BAD_TARGET: spec(
    'FERRY_ERR_CHAOS_BAD_TARGET',
    400,
    'target one appliance, or a site for site-outage (target.appliance or target.site)',
  ),
  CHAOS_BAD_PARAMS: spec('FERRY_ERR_CHAOS_BAD_PARAMS', 400, 'params do not fit the kind'),
  CHAOS_BAD_START: spec('FERRY_ERR_CHAOS_BAD_START', 400, 'startAtMs is more than a day ahead'),
  // Safety rules: the experiment is recorded as refused, and listed.
  CHAOS_RULE_CHAOS_OFF: spec(
    'FERRY_ERR_CHAOS_RULE_CHAOS_OFF',
    409,
    'refused (chaos-off): a target runs with chaos off, or never reported its chaos mode',
  ),
  CHAOS_RULE_UNKNOWN_TARGET: spec(
    'FERRY_ERR_CHAOS_RULE_UNKNOWN_TARGET',
    409,
    'refused (unknown-target): no such appliance or site',
  ),
  CHAOS_RULE_OVERLAP: spec(
    'FERRY_ERR_CHAOS_RULE_OVERLAP',
    409,
    'refused (overlap): a target is already under an experiment',
  ),
  CHAOS_RULE_SITE_SHARE: spec(
    'FERRY_ERR_CHAOS_RULE_SITE_SHARE',
    409,
    "refused (site-share): it would take out more of a site's capacity than --chaos-max-site-share",
  ),
  CHAOS_RULE_COVERAGE: spec(
    'FERRY_ERR_CHAOS_RULE_COVERAGE',
    409,
    'refused (coverage): some clients would have no healthy appliance holding their files',
  ),
  // State store
  STORE_UNAVAILABLE: spec(
    'FERRY_ERR_STORE_UNAVAILABLE',
    503,
    'the state store is unreachable; control serves from memory',
  ),
  // Process
  CONFIG: CommonErrors.CONFIG,
  INTERNAL: CommonErrors.INTERNAL,
});

export type ErrorName = keyof typeof Errors;

export class ConfigError extends FerryError {
  constructor(detail: string) {
    super(Errors.CONFIG, detail, { replaceMessage: true });
    this.name = 'ConfigError';
  }
}
